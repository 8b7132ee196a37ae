/** Domains: the email domains that route sign-in to this tenant, each proven by a DNS TXT record. */
import type { TenantDomain } from '../../tenants/domain-store.ts';
import type { ConsoleViewer } from '../access.ts';
import { ConfirmedAction, Copyable, Shell, type Flash } from '../layout.tsx';

export interface DomainsView {
  viewer: ConsoleViewer;
  domains: (TenantDomain & { txtName: string; txtValue: string })[];
  flash: Flash;
}

export function domainsPage(view: DomainsView) {
  const { viewer } = view;
  const slug = viewer.tenant.slug;
  const disabled = !viewer.canConfigure;
  return (
    <Shell viewer={viewer} section="domains" title="Domains" flash={view.flash}>
      <section class="card" aria-labelledby="domains-heading">
        <h2 id="domains-heading">Email domains</h2>
        <p class="hint">People who type an address at a verified domain on the sign-in page are sent to {viewer.tenant.name}'s Okta.</p>
        {view.domains.length === 0 ? <p>No domains yet.</p> : null}
        {view.domains.map((d) => (
          <section class="card" aria-label={d.domain}>
            <h3>
              {d.domain} {d.verifiedAt ? <span class="badge ok">verified</span> : <span class="badge off">not verified</span>}
            </h3>
            {d.verifiedAt ? null : (
              <dl class="values">
                <dt>Publish a TXT record at</dt>
                <dd>
                  <Copyable value={d.txtName} label={`the TXT record name of ${d.domain}`} />
                </dd>
                <dt>With the value</dt>
                <dd>
                  <Copyable value={d.txtValue} label={`the TXT record value of ${d.domain}`} />
                </dd>
              </dl>
            )}
            {disabled ? null : (
              <div class="actions">
                {d.verifiedAt ? null : (
                  <form method="post" action={`/admin/${slug}/domains/verify`}>
                    <input type="hidden" name="domain" value={d.domain} />
                    <button type="submit" class="secondary" aria-label={`Verify ${d.domain}`}>
                      Verify
                    </button>
                  </form>
                )}
                <ConfirmedAction action={`/admin/${slug}/domains/remove`} confirm={`Stop routing sign-ins at ${d.domain} to this tenant?`} label={`Remove ${d.domain}`} text="Remove" fields={{ domain: d.domain }} />
              </div>
            )}
          </section>
        ))}
        {disabled ? null : (
          <form class="filters" method="post" action={`/admin/${slug}/domains`}>
            <div>
              <label for="domain">Domain</label>
              <input type="text" id="domain" name="domain" placeholder="acme.com" required maxlength={253} />
            </div>
            <button type="submit">Add domain</button>
          </form>
        )}
      </section>
    </Shell>
  );
}
