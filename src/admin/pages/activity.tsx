/** Activity: the tenant's audit log, newest first: provisioning writes, sign-ins, configuration changes and who made them. */
import { AUDIT_KINDS, type AuditEntry, type AuditFilter } from '../../audit/audit-reader.ts';
import type { ConsoleViewer } from '../access.ts';
import { Shell } from '../layout.tsx';

export interface ActivityView {
  viewer: ConsoleViewer;
  entries: AuditEntry[];
  names: ActorNames;
  /** The filter as the form shows it (dates as YYYY-MM-DD). */
  form: { kind: AuditFilter['kind']; outcome: AuditFilter['outcome']; user: string; from: string; until: string };
  nextHref: string | null;
  problem: string | undefined;
}

/** Names for the ids the log holds: an admin's user name, a SCIM token's label. */
export type ActorNames = ReadonlyMap<string, string>;

/** Who acted, in words. */
export function actorLabel(actor: string, names: ActorNames): string {
  const [kind, id = ''] = actor.split(/:(.*)/s) as [string, string | undefined];
  if (kind === 'token') return `SCIM token ${names.get(id) ?? id}`;
  if (kind === 'oidc') return 'Sign-in';
  if (kind === 'cli') return 'Operator (CLI)';
  if (kind === 'api') return `API key ${id}`;
  if (kind === 'admin') return `Admin ${names.get(id) ?? id}`;
  if (kind === 'setup') return `Setup link ${id}`;
  return actor;
}

/** A long id shortened for the table; the whole id is its title. */
function Resource(props: { type: string | null; id: string | null }) {
  if (!props.type) return <>—</>;
  if (!props.id) return <>{props.type}</>;
  return (
    <>
      {props.type} <span title={props.id}>{props.id.length > 14 ? `${props.id.slice(0, 8)}…` : props.id}</span>
    </>
  );
}

export function ActivityTable(props: { entries: AuditEntry[]; names: ActorNames }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">On</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.length === 0 ? (
            <tr>
              <td colspan={6}>Nothing recorded matches.</td>
            </tr>
          ) : (
            props.entries.map((e) => (
              <tr>
                <td class="mono">{e.at.replace('T', ' ').slice(0, 19)}</td>
                <td>{actorLabel(e.actor, props.names)}</td>
                <td class="mono">{e.action}</td>
                <td class="mono">
                  <Resource type={e.resourceType} id={e.resourceId} />
                </td>
                <td>
                  {e.outcome === 'success' ? <span class="badge ok">success</span> : <span class="badge off">failure</span>}
                  {e.status ? ` ${e.status}` : ''}
                </td>
                <td>{e.detail ?? ''}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function activityPage(view: ActivityView) {
  const { viewer, form } = view;
  const slug = viewer.tenant.slug;
  return (
    <Shell viewer={viewer} section="activity" title="Activity" flash={{ problems: view.problem ? [view.problem] : undefined, problemsHeading: 'Not shown:' }}>
      <section class="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Audit log</h2>
        <form class="filters" method="get" action={`/admin/${slug}/activity`} role="search">
          <div>
            <label for="kind">Kind</label>
            <select id="kind" name="kind">
              {AUDIT_KINDS.map((k) => (
                <option value={k} selected={k === form.kind}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="outcome">Outcome</label>
            <select id="outcome" name="outcome">
              {(['all', 'success', 'failure'] as const).map((o) => (
                <option value={o} selected={o === form.outcome}>
                  {o}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="user">User ID</label>
            <input type="search" id="user" name="user" value={form.user} />
          </div>
          <div>
            <label for="from">From</label>
            <input type="date" id="from" name="from" value={form.from} />
          </div>
          <div>
            <label for="until">Until</label>
            <input type="date" id="until" name="until" value={form.until} />
          </div>
          <button type="submit" class="secondary">
            Apply
          </button>
        </form>
        <ActivityTable entries={view.entries} names={view.names} />
        <div class="pager">
          <a href={`/admin/${slug}/activity?${new URLSearchParams({ kind: form.kind, outcome: form.outcome, user: form.user, from: form.from, until: form.until })}`}>Newest</a>
          {view.nextHref ? <a href={view.nextHref}>Older</a> : null}
        </div>
      </section>
    </Shell>
  );
}
