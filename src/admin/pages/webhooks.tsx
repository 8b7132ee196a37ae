/** Webhooks: where the tenant's directory changes are pushed, each endpoint's health, and replay, test and re-enable. */
import type { EndpointInfo } from '../../webhooks/endpoint-store.ts';
import type { ConsoleViewer } from '../access.ts';
import { ConfirmedAction, Shell, ShownOnce, type Flash } from '../layout.tsx';

export interface WebhooksView {
  viewer: ConsoleViewer;
  endpoints: (EndpointInfo & { deadLetters: number })[];
  /** The newest seq of the tenant's change log: how far behind each endpoint is. */
  lastSeq: number;
  /** An endpoint just added: its signing secret, shown this once. */
  created?: { id: string; secret: string } | undefined;
  flash: Flash;
}

function health(e: WebhooksView['endpoints'][number]) {
  if (!e.enabled) return <span class="badge off">disabled</span>;
  if (e.consecutiveFailures > 0) return <span class="badge off">failing ({e.consecutiveFailures})</span>;
  return <span class="badge ok">healthy</span>;
}

export function webhooksPage(view: WebhooksView) {
  const { viewer } = view;
  const slug = viewer.tenant.slug;
  const disabled = !viewer.canConfigure;
  return (
    <Shell viewer={viewer} section="webhooks" title="Webhooks" flash={view.flash}>
      {view.created ? <ShownOnce heading={`Signing secret of ${view.created.id}`} advice="Deliveries are signed with it (Standard Webhooks). It is shown only this once; keep it where your receiver reads it." value={view.created.secret} label="the signing secret" /> : null}
      <section class="card" aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        {view.endpoints.length === 0 ? <p>No endpoints: changes are kept in the change log for the API's feed.</p> : null}
        {view.endpoints.map((e) => (
          <section class="card" aria-label={e.url}>
            <h3>
              <code>{e.url}</code> {health(e)}
            </h3>
            <dl class="values">
              <dt>Events</dt>
              <dd class="mono">{e.events}</dd>
              <dt>Delivered up to</dt>
              <dd>
                seq {e.deliveredSeq} of {view.lastSeq}
              </dd>
              <dt>Last success</dt>
              <dd>{e.lastSuccessAt ?? '—'}</dd>
              <dt>Last error</dt>
              <dd>{e.lastError ?? '—'}</dd>
              {e.disabledReason ? (
                <>
                  <dt>Disabled because</dt>
                  <dd>{e.disabledReason}</dd>
                </>
              ) : null}
              <dt>Dead letters</dt>
              <dd>{e.deadLetters}</dd>
            </dl>
            {disabled ? null : (
              <div class="actions">
                <form method="post" action={`/admin/${slug}/webhooks/${e.id}/test`}>
                  <button type="submit" class="secondary" aria-label={`Send a test ping to ${e.url}`}>
                    Send test
                  </button>
                </form>
                {e.enabled ? null : (
                  <form method="post" action={`/admin/${slug}/webhooks/${e.id}/enable`}>
                    <button type="submit" aria-label={`Enable ${e.url}`}>
                      Enable
                    </button>
                  </form>
                )}
                <form class="filters" method="post" action={`/admin/${slug}/webhooks/${e.id}/replay`}>
                  <div>
                    <label for={`from-${e.id}`}>Replay from seq</label>
                    <input type="text" inputmode="numeric" id={`from-${e.id}`} name="from" required pattern="[0-9]+" />
                  </div>
                  <button type="submit" class="secondary">
                    Replay
                  </button>
                </form>
                <ConfirmedAction action={`/admin/${slug}/webhooks/${e.id}/remove`} confirm={`Stop delivering to ${e.url}?`} label={`Remove ${e.url}`} text="Remove" />
              </div>
            )}
          </section>
        ))}
        {disabled ? null : (
          <form class="filters" method="post" action={`/admin/${slug}/webhooks`}>
            <div>
              <label for="url">Receiver URL</label>
              <input type="url" id="url" name="url" placeholder="https://app.example.com/hooks/identity" required />
            </div>
            <div>
              <label for="events">
                Events <span class="hint">types or patterns, like user.*,group.deleted</span>
              </label>
              <input type="text" id="events" name="events" value="*" required />
            </div>
            <button type="submit">Add endpoint</button>
          </form>
        )}
      </section>
    </Shell>
  );
}
