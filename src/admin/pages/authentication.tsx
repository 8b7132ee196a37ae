/** Settings → Authentication → Okta: the OpenID Provider connection, the values to paste into Okta, the steps. */
import { TOKEN_AUTH_METHODS } from '../../oidc/connection-settings.ts';
import type { ConnectionInfo } from '../../oidc/connection-store.ts';
import type { OktaAppValues } from '../../oidc/okta-app-values.ts';
import type { ConsoleViewer } from '../access.ts';
import { Copyable, Shell, type Flash } from '../layout.tsx';

/** What the form shows: the stored connection, or what was just posted when it was refused. */
export interface ConnectionFormValues {
  issuer: string;
  clientId: string;
  tokenAuthMethod: string;
  scopes: string;
  groupsClaim: string;
  groupsFilter: string;
  jit: boolean;
  requireSso: boolean;
}

export interface AuthenticationView {
  viewer: ConsoleViewer;
  connection: ConnectionInfo | undefined;
  form: ConnectionFormValues | undefined;
  okta: OktaAppValues;
  flash: Flash;
}

const AUTH_METHOD_LABELS: Record<(typeof TOKEN_AUTH_METHODS)[number], string> = {
  client_secret_basic: 'Client secret (HTTP Basic)',
  client_secret_post: 'Client secret (in the request body)',
  none: 'None: public client with PKCE',
};

function formValues(view: AuthenticationView): ConnectionFormValues {
  if (view.form) return view.form;
  const c = view.connection;
  return { issuer: c?.issuer ?? '', clientId: c?.clientId ?? '', tokenAuthMethod: c?.tokenAuthMethod ?? 'client_secret_basic', scopes: c?.scopes ?? 'openid email profile', groupsClaim: c?.groupsClaim ?? 'groups', groupsFilter: c?.groupsFilter ?? '.*', jit: c?.jit ?? !view.viewer.tenant.scimEnabled, requireSso: c?.requireSso ?? false };
}

export function authenticationPage(view: AuthenticationView) {
  const { viewer, connection, okta } = view;
  const slug = viewer.tenant.slug;
  const values = formValues(view);
  const disabled = !viewer.canConfigure;
  const pasteIntoOkta: [string, string][] = [
    ['Sign-in redirect URI', okta.signInRedirectUri],
    ['Sign-out redirect URI', okta.signOutRedirectUri],
    ['Initiate login URI', okta.initiateLoginUri],
    ['Front-channel logout URI', okta.frontChannelLogoutUri],
  ];
  return (
    <Shell viewer={viewer} section="authentication" title="Authentication: Okta" flash={view.flash}>
      <section class="card" aria-labelledby="connection-heading">
        <h2 id="connection-heading">
          Connection {connection ? <span class="badge ok">set up</span> : <span class="badge off">not set up</span>}
        </h2>
        <form class="fields" method="post" action={`/admin/${slug}/authentication`}>
          <div>
            <label for="issuer">
              Okta domain or issuer <span class="hint">e.g. https://acme.okta.com, or https://acme.okta.com/oauth2/default</span>
            </label>
            <input type="url" id="issuer" name="issuer" value={values.issuer} required disabled={disabled} autocomplete="off" />
          </div>
          <div>
            <label for="clientId">Client ID</label>
            <input type="text" id="clientId" name="clientId" value={values.clientId} required disabled={disabled} autocomplete="off" />
          </div>
          <div>
            <label for="clientSecret">
              Client secret <span class="hint">{connection?.hasClientSecret ? 'A secret is set; leave empty to keep it.' : 'Shown once in Okta; stored encrypted, never shown here.'}</span>
            </label>
            <input type="password" id="clientSecret" name="clientSecret" value="" disabled={disabled} autocomplete="new-password" />
          </div>
          <div>
            <label for="tokenAuthMethod">Client authentication</label>
            <select id="tokenAuthMethod" name="tokenAuthMethod" disabled={disabled}>
              {TOKEN_AUTH_METHODS.map((m) => (
                <option value={m} selected={m === values.tokenAuthMethod}>
                  {AUTH_METHOD_LABELS[m]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="scopes">Scopes</label>
            <input type="text" id="scopes" name="scopes" value={values.scopes} required disabled={disabled} />
          </div>
          <div>
            <label for="groupsClaim">
              Groups claim <span class="hint">the ID token claim that lists the person's groups</span>
            </label>
            <input type="text" id="groupsClaim" name="groupsClaim" value={values.groupsClaim} required disabled={disabled} />
          </div>
          <div>
            <label for="groupsFilter">
              Groups filter <span class="hint">a regular expression; only matching groups count</span>
            </label>
            <input type="text" id="groupsFilter" name="groupsFilter" value={values.groupsFilter} required disabled={disabled} />
          </div>
          <label class="check">
            <input type="checkbox" name="jit" checked={values.jit} disabled={disabled} />
            <span>
              Create people at their first sign-in <span class="hint">(just-in-time; off while SCIM decides who exists)</span>
            </span>
          </label>
          <label class="check">
            <input type="checkbox" name="requireSso" checked={values.requireSso} disabled={disabled} />
            <span>
              Require SSO <span class="hint">everyone at {viewer.tenant.name} signs in through Okta; the app offers them no password</span>
            </span>
          </label>
          {disabled ? null : (
            <div class="actions">
              <button type="submit">Save and test</button>
            </div>
          )}
        </form>
        {connection ? (
          <p>
            <a href={`/auth/${slug}/login?return_to=${encodeURIComponent(`/admin/${slug}/authentication?signed-in=1`)}`} target="_blank" rel="noopener">
              Try sign-in
            </a>{' '}
            <span class="hint">opens a real sign-in in a new tab; it lands back here and says who signed in</span>
          </p>
        ) : null}
      </section>
      <section class="card" aria-labelledby="okta-values-heading">
        <h2 id="okta-values-heading">Values for the Okta app</h2>
        <dl class="values">
          {pasteIntoOkta.map(([label, value]) => (
            <>
              <dt>{label}</dt>
              <dd>
                <Copyable value={value} label={label} />
              </dd>
            </>
          ))}
          <dt>Login initiated by</dt>
          <dd>{okta.loginInitiatedBy}</dd>
          <dt>Login flow</dt>
          <dd>{okta.loginFlow}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="okta-steps-heading">
        <h2 id="okta-steps-heading">In Okta</h2>
        <ol class="steps">
          <li>In the Okta Admin Console open Applications → Applications and choose Create App Integration.</li>
          <li>Pick OIDC – OpenID Connect as the sign-in method and Web Application as the type.</li>
          <li>Enter the sign-in and sign-out redirect URIs above, and under Login the initiate login URI with "Either Okta or App".</li>
          <li>Assign the people or groups who should sign in, then copy the client ID and secret into the form above.</li>
          <li>To send groups, add a groups claim (Sign On → OpenID Connect ID Token) named as the groups claim above.</li>
          <li>Save and test, then try sign-in.</li>
        </ol>
      </section>
    </Shell>
  );
}
