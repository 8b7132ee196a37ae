/**
 * The setup pages the tenant's IT admin sees: the Okta steps with this tenant's values, the
 * connection form, and the SCIM token shown once. `html` escapes every interpolated value.
 */
import { html, raw } from 'hono/html';
import type { ConnectionInfo } from '../oidc/connection-store.ts';
import { TOKEN_AUTH_METHODS, type TokenAuthMethod } from '../oidc/connection-settings.ts';
import type { OktaAppValues } from '../oidc/okta-app-values.ts';

const STYLE = 'font-family:system-ui;max-width:48rem;margin:3rem auto;line-height:1.5';

/** The connection form's values as last entered (never a secret). */
export interface ConnectionFormValues {
  issuer: string;
  clientId: string;
  tokenAuthMethod: TokenAuthMethod;
  /** The checkbox as posted: `on` when checked. */
  requireSso?: 'on' | undefined;
}

/** Everything the setup page shows. */
export interface SetupPageView {
  slug: string;
  tenantName: string;
  okta: OktaAppValues;
  connection: ConnectionInfo | undefined;
  /** Whether the groups claim will arrive at sign-in, and why (src/oidc/provider-check.ts). */
  groups?: string | undefined;
  scimEnabled: boolean;
  /** The lowest role that may change settings in the admin console. */
  configuringRole: string;
  /** Shown above the form after a save. */
  notice?: string;
  /** Why the last save was refused. */
  problems?: string[];
  /** What the refused form held, to fill it in again. */
  form?: ConnectionFormValues;
}

const AUTH_LABELS: Record<TokenAuthMethod, string> = {
  client_secret_basic: 'Client secret, sent as HTTP Basic (client_secret_basic, the usual choice)',
  client_secret_post: 'Client secret, sent in the request body (client_secret_post)',
  none: 'None: a public client with PKCE only (no client secret)',
};

/**
 * The answer to the key's POST: the key was traded for the cookie; this page moves on to the setup
 * page. A same-site step rather than a redirect, because browsers withhold SameSite=Strict cookies
 * for the rest of a navigation that started on another site (the email the link came in).
 */
export function continuePage(path: string) {
  return html`<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${path}"><title>Opening setup…</title>
<body style="${STYLE}"><p>Opening the setup page… <a href="${path}">Continue</a></p></body>`;
}

/** The script of the page a setup link opens: it posts the key from the fragment (which no server sees) once. */
export const OPEN_LINK_SCRIPT =
  "const m=/^#key=([A-Za-z0-9_-]{1,200})$/.exec(location.hash);if(m){history.replaceState(null,'',location.pathname);const f=document.getElementById('open');f.elements.key.value=m[1];f.submit();}";

/**
 * What a setup link opens: the key travels from the URL's fragment to a same-origin POST, so it is
 * in no request line, log or Referer. Without JavaScript the admin pastes the key by hand.
 */
export function openLinkPage(slug: string) {
  return html`<!doctype html><meta charset="utf-8"><title>Opening setup…</title>
<body style="${STYLE}"><h1>Opening the setup page…</h1>
<form id="open" method="post" action="/setup/${slug}/open">
<p><label>If nothing happens, paste the part of your setup link after <code>#key=</code>:<br>
<input name="key" type="password" required size="60" autocomplete="off"></label></p>
<p><button type="submit">Open setup</button></p></form>
<script>${raw(OPEN_LINK_SCRIPT)}</script></body>`;
}

function connectionState(connection: ConnectionInfo | undefined, groups: string | undefined) {
  if (!connection) return html`<p><strong>Not connected yet.</strong> Fill in the form below.</p>`;
  return html`<table>
<tr><th align="left">Issuer</th><td><code>${connection.issuer}</code></td></tr>
<tr><th align="left">Client ID</th><td><code>${connection.clientId}</code></td></tr>
<tr><th align="left">Client authentication</th><td>${connection.tokenAuthMethod}</td></tr>
<tr><th align="left">Client secret</th><td>${connection.hasClientSecret ? 'set (not shown)' : 'not set'}</td></tr>
<tr><th align="left">Groups for roles</th><td>${groups ?? '-'}</td></tr>
<tr><th align="left">Okta sign-in required</th><td>${connection.requireSso ? 'yes: everyone signs in through Okta' : 'no'}</td></tr>
<tr><th align="left">Last changed</th><td>${connection.updatedAt}</td></tr></table>`;
}

function connectionForm(view: SetupPageView) {
  const values = view.form ?? {
    issuer: view.connection?.issuer ?? '',
    clientId: view.connection?.clientId ?? '',
    tokenAuthMethod: view.connection?.tokenAuthMethod ?? 'client_secret_basic',
    requireSso: view.connection?.requireSso ? ('on' as const) : undefined,
  };
  const keepSecret = view.connection?.hasClientSecret ? 'Leave empty to keep the stored secret' : '';
  return html`<form method="post" action="/setup/${view.slug}/connection">
<p><label>Issuer (your Okta URL, e.g. <code>https://acme.okta.com</code>, or a custom authorization server such as <code>https://acme.okta.com/oauth2/default</code>)<br>
<input name="issuer" type="url" required size="60" value="${values.issuer}"></label></p>
<p><label>Client ID<br><input name="clientId" required size="40" value="${values.clientId}" autocomplete="off"></label></p>
<p><label>Client secret<br><input name="clientSecret" type="password" size="40" autocomplete="new-password" placeholder="${keepSecret}"></label></p>
<p><label>Client authentication<br><select name="tokenAuthMethod">${TOKEN_AUTH_METHODS.map(
    (m) => html`<option value="${m}"${m === values.tokenAuthMethod ? html` selected` : ''}>${AUTH_LABELS[m]}</option>`,
  )}</select></label></p>
<p><label><input name="requireSso" type="checkbox"${values.requireSso === 'on' ? html` checked` : ''}> Require everyone at ${view.tenantName} to sign in through Okta (the application then refuses its other sign-in methods for them)</label></p>
<p><button type="submit">Test and save</button> (we fetch your Okta's discovery document and signing keys first; nothing is saved if they do not work)</p>
</form>`;
}

/** The tenant's setup page: Okta steps with its values, the connection state and form, and SCIM. */
export function setupPage(view: SetupPageView) {
  const { okta } = view;
  const groupsClaim = view.connection?.groupsClaim ?? 'groups';
  return html`<!doctype html><meta charset="utf-8"><title>Single sign-on setup: ${view.tenantName}</title>
<body style="${STYLE}"><h1>Single sign-on setup for ${view.tenantName}</h1>
${view.notice ? html`<p role="status" style="background:#e7f6e7;padding:.5rem"><strong>${view.notice}</strong></p>` : ''}
${view.problems?.length ? html`<div role="alert" style="background:#fdecea;padding:.5rem"><p><strong>Nothing was saved:</strong></p><ul>${view.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : ''}

<h2>1. Create the app in Okta</h2>
<ol>
<li>In the Okta Admin Console: <strong>Applications → Applications → Create App Integration</strong>.</li>
<li>Sign-in method <strong>OIDC – OpenID Connect</strong>, application type <strong>Web Application</strong> (OIDC – Web Application). <strong>Next</strong>.</li>
<li>Grant type: leave <strong>Authorization Code</strong> checked.</li>
<li><strong>Sign-in redirect URI</strong>: <code>${okta.signInRedirectUri}</code><br>
<strong>Sign-out redirect URI</strong>: <code>${okta.signOutRedirectUri}</code></li>
<li><strong>Assignments</strong>: limit access to the groups that should sign in. <strong>Save</strong>.</li>
<li><strong>General → General Settings → Edit</strong>, section <strong>Login</strong>:
<ul><li><strong>Login initiated by</strong>: ${okta.loginInitiatedBy}</li>
<li><strong>Login flow</strong>: ${okta.loginFlow}</li>
<li><strong>Initiate login URI</strong>: <code>${okta.initiateLoginUri}</code></li></ul> <strong>Save</strong>.</li>
<li><strong>Sign On → OpenID Connect ID Token → Edit</strong>: Issuer <strong>Okta URL</strong>; Groups claim type <strong>Filter</strong>;
<strong>Groups claim filter</strong>: <code>${groupsClaim}</code> <strong>Matches regex</strong> <code>.*</code> (or narrower). <strong>Save</strong>.</li>
<li>Optional, recommended — <strong>Single Logout</strong> (front-channel): logout URI <code>${okta.frontChannelLogoutUri}</code>, <strong>Include session ID</strong> on.</li>
<li>On the <strong>General</strong> tab, copy the <strong>Client ID</strong> and <strong>Client secret</strong> into the form below.</li>
</ol>

<h2>2. Connect</h2>
${connectionState(view.connection, view.groups)}
${connectionForm(view)}
${view.connection ? html`<p>People sign in at <code>${okta.userSignInUrl}</code> or from the Okta dashboard tile.</p>` : ''}

<h2>3. Provisioning (SCIM)</h2>
<p>SCIM base URL: <code>${okta.scimBaseUrl}</code><br>SCIM provisioning: <strong>${view.scimEnabled ? 'enabled' : 'not enabled yet'}</strong></p>
<p>In Okta, provisioning runs through a second app (Okta offers SCIM only on SAML and Secure Web Authentication apps, not on the OIDC app above);
the next page walks through it.</p>
<form method="post" action="/setup/${view.slug}/scim-token"><button type="submit">Create SCIM token</button>
(turns provisioning on; the token is shown once, on the next page)</form>

<h2>4. After setup</h2>
<p>Once sign-in works, your admins manage all of this in the admin console, signed in with Okta:
<a href="/admin/${view.slug}">/admin/${view.slug}</a> (the ${view.configuringRole} role or higher may change settings; others see them read-only).</p>
</body>`;
}

/**
 * Okta's provisioning steps. Okta offers SCIM only on a SAML or Secure Web Authentication app that
 * the customer creates, never on an OIDC one, so provisioning is a second app beside the sign-in app.
 */
function oktaProvisioningSteps(view: { scimBaseUrl: string; userSignInUrl: string; token?: string }) {
  return html`<ol>
<li><strong>Applications → Applications → Create App Integration</strong>: choose <strong>SWA – Secure Web Authentication</strong>, <strong>Next</strong>.
A second app, because Okta offers SCIM provisioning only on SAML and SWA apps, not on the OIDC app people sign in with.</li>
<li>Give it any name, enter any URL as the app's login page (for example <code>${view.userSignInUrl}</code>; provisioning does not use it),
tick <strong>Do not display application icon to users</strong> (people keep using the sign-in app's tile), <strong>Finish</strong>.</li>
<li><strong>General → App Settings → Edit</strong>: <strong>Provisioning: SCIM</strong>, <strong>Save</strong>.</li>
<li><strong>Provisioning → Integration → Edit</strong>:
<ul><li><strong>SCIM connector base URL</strong>: <code>${view.scimBaseUrl}</code></li>
<li><strong>Unique identifier field for users</strong>: <code>userName</code></li>
<li><strong>Supported provisioning actions</strong>: Push New Users, Push Profile Updates, Push Groups</li>
<li><strong>Authentication Mode</strong>: <strong>HTTP Header</strong>; <strong>Authorization</strong>: ${view.token ? html`the token above` : html`a SCIM token from this page`}</li></ul>
<strong>Test Connector Configuration</strong>, then <strong>Save</strong>.</li>
<li><strong>Provisioning → To App → Edit</strong>: enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and <strong>Deactivate Users</strong>. <strong>Save</strong>.</li>
<li>Under <strong>Attribute Mappings</strong> on the same page, delete (×) the rows <em>Primary email type</em>, <em>Primary phone type</em> and <em>Address type</em>:
they send a type without a value, which breaks profile updates (PUT).</li>
<li>So that sign-in finds the provisioned user, send Okta's user id as <code>externalId</code>: <strong>Profile Editor</strong> → this app → <strong>Add Attribute</strong>
(external name <code>externalId</code>, external namespace <code>urn:ietf:params:scim:schemas:core:2.0:User</code>, type string), then map it from
<code>user.getInternalProperty("id")</code>.</li>
<li>For roles, add the attribute <code>roles</code> (namespace <code>urn:ietf:params:scim:schemas:core:2.0:User</code>) as a <strong>string array</strong>, not a string,
with values from this organization's roles.</li>
<li><strong>Assignments</strong>: assign the same people and groups to both apps; <strong>Push Groups</strong> for the groups whose roles are mapped.</li>
<li>In the sign-in (OIDC) app, keep <strong>Federation Broker Mode</strong> off, so Okta honours its assignments and shows its tile.</li>
</ol>`;
}

/** The new SCIM token, shown this once, with the Okta provisioning steps. */
export function scimTokenPage(view: { slug: string; tenantName: string; token: string; expiresAt: string; scimBaseUrl: string; userSignInUrl: string }) {
  return html`<!doctype html><meta charset="utf-8"><title>SCIM token: ${view.tenantName}</title>
<body style="${STYLE}"><h1>SCIM token for ${view.tenantName}</h1>
<p>Copy it now: it is shown only this once and cannot be read again.</p>
<p><code style="font-size:1.1rem;word-break:break-all">${view.token}</code></p>
<p>It expires on ${view.expiresAt.slice(0, 10)}. It belongs to this setup link: if the link is revoked, this token stops working too
(ask the team that sent the link for a long-lived token before that, or to keep the link).</p>
<h2>In Okta</h2>
${oktaProvisioningSteps(view)}
<h2>In Microsoft Entra ID</h2>
<p><strong>Provisioning → Admin credentials</strong>: <strong>Tenant URL</strong> <code>${view.scimBaseUrl}</code>, <strong>Secret token</strong>: the token above. <strong>Test Connection</strong>, <strong>Save</strong>.</p>
<p><a href="/setup/${view.slug}">Back to the setup page</a></p></body>`;
}
