/** Settings → Provisioning: the SCIM switch, the base URL, tokens (created once, revoked), the Okta and Entra steps, the last request. */
import type { ScimTokenInfo } from '../../tenants/tenant-store.ts';
import type { ConsoleViewer } from '../access.ts';
import { ConfirmedAction, Copyable, Shell, ShownOnce, type Flash } from '../layout.tsx';

/** The tenant's latest SCIM request as the audit log recorded it. */
export interface LastScimRequest {
  at: string;
  action: string;
  outcome: string;
  status: number | null;
  detail: string | null;
}

export interface ProvisioningView {
  viewer: ConsoleViewer;
  scimBaseUrl: string;
  tokens: ScimTokenInfo[];
  lastRequest: LastScimRequest | undefined;
  /** A token just created: shown this once. */
  created?: { token: string; label: string } | undefined;
  flash: Flash;
}

const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export function provisioningPage(view: ProvisioningView) {
  const { viewer, tokens, lastRequest } = view;
  const slug = viewer.tenant.slug;
  const disabled = !viewer.canConfigure;
  const live = tokens.filter((t) => t.revokedAt === null);
  return (
    <Shell viewer={viewer} section="provisioning" title="Provisioning: SCIM" flash={view.flash}>
      {view.created ? <ShownOnce heading="Your new SCIM token" advice="Copy it into Okta or Entra now: it is shown only this once, and only its fingerprint is kept." value={view.created.token} label="the SCIM token" /> : null}
      <section class="card" aria-labelledby="scim-heading">
        <h2 id="scim-heading">
          SCIM provisioning {viewer.tenant.scimEnabled ? <span class="badge ok">enabled</span> : <span class="badge off">disabled</span>}
        </h2>
        <form class="fields" method="post" action={`/admin/${slug}/provisioning/scim`}>
          <label class="check">
            <input type="checkbox" name="enabled" checked={viewer.tenant.scimEnabled} disabled={disabled} />
            <span>
              Enable SCIM provisioning <span class="hint">Okta or Entra then creates, updates and deactivates people here</span>
            </span>
          </label>
          {disabled ? null : (
            <div class="actions">
              <button type="submit">Save</button>
            </div>
          )}
        </form>
        <dl class="values">
          <dt>SCIM base URL</dt>
          <dd>
            <Copyable value={view.scimBaseUrl} label="the SCIM base URL" />
          </dd>
          <dt>Last request</dt>
          <dd>{lastRequest ? `${when(lastRequest.at)}: ${lastRequest.action}, ${lastRequest.outcome}${lastRequest.status ? ` (${lastRequest.status})` : ''}${lastRequest.detail ? `: ${lastRequest.detail}` : ''}` : 'none yet'}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">Tokens ({live.length} live)</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                {disabled ? null : <th scope="col"><span class="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr>
                  <td>{t.label}</td>
                  <td>{when(t.createdAt)}</td>
                  <td>{when(t.lastUsedAt)}</td>
                  <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                  <td>{t.revokedAt ? <span class="badge off">revoked</span> : <span class="badge ok">live</span>}</td>
                  {disabled ? null : (
                    <td>
                      {t.revokedAt ? null : (
                        <ConfirmedAction action={`/admin/${slug}/provisioning/tokens/${t.id}/revoke`} confirm={`Revoke "${t.label}"? Okta or Entra stops provisioning with it at once.`} label={`Revoke ${t.label}`} text="Revoke" />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {disabled ? null : (
          <form class="fields" method="post" action={`/admin/${slug}/provisioning/tokens`}>
            <div>
              <label for="label">
                Label <span class="hint">e.g. okta or entra; rotate by creating a new one, switching, then revoking the old</span>
              </label>
              <input type="text" id="label" name="label" value="okta" required maxlength={100} />
            </div>
            <div class="actions">
              <button type="submit">Create token</button>
            </div>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="steps-heading">
        <h2 id="steps-heading">In Okta or Entra</h2>
        <h3>Okta</h3>
        <ol class="steps">
          <li>Create a second app integration of type Secure Web Authentication (Okta offers SCIM there, not on the OIDC app).</li>
          <li>General → App Settings → Provisioning: SCIM. Then Provisioning → Integration: the base URL above, unique identifier userName, Push New Users and Push Profile Updates, HTTP Header with the token.</li>
          <li>Provisioning → To App: enable Create Users, Update User Attributes and Deactivate Users.</li>
        </ol>
        <h3>Microsoft Entra</h3>
        <ol class="steps">
          <li>Enterprise applications → your app → Provisioning: mode Automatic.</li>
          <li>Tenant URL: the base URL above; Secret token: the token. Test Connection, then Save and start provisioning.</li>
        </ol>
      </section>
    </Shell>
  );
}
