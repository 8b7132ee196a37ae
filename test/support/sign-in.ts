/**
 * Sign-in test helpers for workerd tests: tenants with an OIDC connection, a tiny cookie jar, and
 * a "browser" that walks the redirects between the Worker (SELF) and an OpenID Provider in Node.
 */
import { env, SELF } from 'cloudflare:test';
import { expect, inject } from 'vitest';
import { setConnection, type ConnectionUpdate } from '../../src/oidc/connection-store.ts';
import type { FakeOpKnobs, FakeOpLog } from './fake-op.ts';
import { TEST_APP_ORIGIN } from './app-origin.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from './okta-fixtures.ts';
import { db, oktaNewUser, tenantWithToken } from './tenants.ts';

export { TEST_APP_ORIGIN };

/** Cookies by name, as a browser would keep them for one host (path and expiry rules ignored but Max-Age=0). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Stores the response's Set-Cookie headers. */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A tenant with SCIM (token and client) and an OIDC connection to `issuer`. */
export async function ssoTenant(connection: ConnectionUpdate & { issuer: string; clientId: string }, options: { scimEnabled?: boolean } = {}) {
  const t = await tenantWithToken({ scimEnabled: options.scimEnabled });
  const info = await setConnection(db(), env.SECRETS_KEY, t.tenant, connection, true);
  return { ...t, connection: info };
}

/** Fetches the Worker with the jar's cookies, without following redirects, and keeps new cookies. */
export async function app(jar: CookieJar, pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : TEST_APP_ORIGIN + pathOrUrl;
  const headers = new Headers(init.headers);
  if (jar.cookies.size) headers.set('cookie', jar.header());
  const response = await SELF.fetch(url, { ...init, headers, redirect: 'manual' });
  jar.take(response);
  return response;
}

/** GET `url` at a provider in Node with `jar`, not following redirects. */
export async function provider(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.cookies.size) headers.set('cookie', jar.header());
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.take(response);
  return response;
}

/** The Location of a redirect, asserting there is one. */
export function location(response: Response): string {
  const value = response.headers.get('location');
  if (response.status < 300 || response.status > 399 || !value) throw new Error(`expected a redirect, got ${response.status}`);
  return value;
}

/** The reference id on a sign-in error page. */
export async function errorReference(response: Response): Promise<string | undefined> {
  return /Reference: <code>([^<]+)<\/code>/.exec(await response.text())?.[1];
}

// --- the Okta-like provider (oidc-provider) ---

/** Its issuer (`http://127.0.0.1:{port}`). */
export const oktaIssuer = () => inject('oktaIssuer');

/**
 * Signs `login` in at the Okta-like provider, starting from its authorization URL: the login form
 * is posted like a person would, and the redirect back to our callback is returned.
 */
export async function oktaAuthorize(authorizeUrl: string, login: string): Promise<string> {
  const jar = new CookieJar();
  let next = location(await provider(jar, authorizeUrl));
  for (let hop = 0; hop < 6; hop++) {
    if (next.startsWith(TEST_APP_ORIGIN)) return next;
    const url = new URL(next, authorizeUrl);
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      const form = await provider(jar, url.href);
      if (form.status !== 200) throw new Error(`login form: ${form.status}`);
      next = location(await provider(jar, `${url.href}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login, password: 'any' }) }));
    } else {
      next = location(await provider(jar, url.href));
    }
  }
  throw new Error(`no redirect back to the app from ${authorizeUrl}`);
}

// --- the knob-driven fake provider ---

/** A fake-provider scenario: its issuer, the person's sub, and knob/rotation/log controls. */
export interface FakeScenario {
  id: string;
  issuer: string;
  sub: string;
  clientId: string;
  clientSecret: string;
  update(knobs: FakeOpKnobs): Promise<void>;
  rotateKeys(): Promise<void>;
  log(): Promise<FakeOpLog>;
}

async function control(path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${inject('fakeOpBase')}${path}`, { method: body === undefined ? 'GET' : 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`fake OP ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** A new issuer at the fake provider with `knobs`. */
export async function fakeScenario(knobs: FakeOpKnobs = {}): Promise<FakeScenario> {
  const clientId = knobs.clientId ?? 'fake-client';
  // Long enough to key HS256 (RFC 7518 §3.2), as real providers' secrets are.
  const clientSecret = knobs.clientSecret ?? 'fake-secret-0123456789-abcdefghijklmn';
  const created = (await (await control('/__scenarios', { ...knobs, clientId, clientSecret })).json()) as { id: string; issuer: string; sub: string };
  return {
    ...created,
    clientId,
    clientSecret,
    update: async (more) => void (await control(`/__scenarios/${created.id}`, more)),
    rotateKeys: async () => void (await control(`/__scenarios/${created.id}/rotate`, {})),
    log: async () => (await (await control(`/__scenarios/${created.id}/log`)).json()) as FakeOpLog,
  };
}

/** The fake provider's automatic authorization: it redirects straight back with a code. */
export async function fakeAuthorize(authorizeUrl: string): Promise<string> {
  return location(await fetch(authorizeUrl, { redirect: 'manual' }));
}

/** The tenant's sign-in audit rows, newest first. */
export async function signInAudit(tenantId: string) {
  const rows = await env.DB.prepare("SELECT outcome, status, detail FROM audit_log WHERE tenant_id = ? AND action = 'signin' ORDER BY at DESC, id DESC").bind(tenantId).all<{ outcome: string; status: number; detail: string }>();
  return rows.results;
}

/**
 * A tenant connected to `scenario` whose SCIM user is the scenario's person (externalId = sub),
 * and a function that runs one sign-in through the fake provider up to our callback's answer.
 */
export async function fakeTenant(scenario: FakeScenario, options: { jit?: boolean; user?: boolean } = {}) {
  const t = await ssoTenant({ issuer: scenario.issuer, clientId: scenario.clientId, clientSecret: scenario.clientSecret, jit: options.jit ?? false });
  if (options.user !== false) {
    const created = await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${scenario.id}@fake.test`, externalId: scenario.sub, active: true });
    if (created.status !== 201) throw new Error(`SCIM create: ${created.status} ${await created.text()}`);
  }
  const jar = new CookieJar();
  return {
    ...t,
    jar,
    /** Login → provider → callback in `browser` (default: the tenant's jar); returns the callback's response (and the callback URL for replays). */
    async signIn(returnTo = '/home', browser = jar): Promise<{ response: Response; callbackUrl: string }> {
      const start = await app(browser, `/auth/${t.slug}/login?return_to=${encodeURIComponent(returnTo)}`);
      const callbackUrl = await fakeAuthorize(location(start));
      return { response: await app(browser, callbackUrl), callbackUrl };
    },
  };
}

/**
 * Okta's first account, provisioned by SCIM (externalId = its Okta id) in a tenant connected to the
 * Okta-like provider with `client`, and signed in: `jar` holds the session, `userId` is the SCIM id.
 */
export async function signedInOktaUser(client: (typeof OKTA_CLIENTS)[keyof typeof OKTA_CLIENTS] = OKTA_CLIENTS.basic, options: { requireSso?: boolean } = {}) {
  const account = OKTA_ACCOUNTS[0]!;
  const t = await ssoTenant({ issuer: oktaIssuer(), clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod, ...options });
  const created = await t.scim.post('/Users', oktaNewUser(account.login, { externalId: account.sub }));
  expect(created.status).toBe(201);
  const { id: userId } = (await created.json()) as { id: string };
  const jar = new CookieJar();
  const start = await app(jar, `/auth/${t.slug}/login`);
  const done = await app(jar, await oktaAuthorize(location(start), account.login));
  expect(done.status, await done.clone().text()).toBe(302);
  return { ...t, jar, userId, account };
}

