/**
 * An example host application (README "Integrate your application"): a page protected by the
 * sign-in session through the service binding, an API route that verifies a session token offline
 * against Edge Identity's JWKS, and a copy of each tenant's directory kept from the change log.
 */
import { Hono } from 'hono';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { copiedMembers, syncDirectory } from './directory-copy.ts';
import type { Env } from './env.ts';

const app = new Hono<{ Bindings: Env }>();

// Served on the same hostname as Edge Identity (routes split /auth, /scim, /setup off to it), so
// the browser sends this page the sign-in cookie, and the binding reads the session behind it.
app.get('/dashboard', async (c) => {
  const session = await c.env.IDENTITY.session(c.req.header('cookie') ?? null);
  if (!session) return c.redirect(`${c.env.IDENTITY_ORIGIN}/auth/login?return_to=${encodeURIComponent('/dashboard')}`, 302);
  return c.html(`<!doctype html><title>Dashboard</title><h1>Hello, ${escapeHtml(session.user.name ?? session.user.email ?? session.user.id)}</h1><p>${escapeHtml(session.role)} at ${escapeHtml(session.tenant)}</p>`);
});

// Another origin's API, or a mobile app's: a bearer session token, verified without a call.
let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
app.get('/api/me', async (c) => {
  const token = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token) return c.json({ error: 'missing_token' }, 401, { 'www-authenticate': 'Bearer' });
  keys ??= createRemoteJWKSet(new URL('/.well-known/jwks.json', c.env.IDENTITY_ORIGIN));
  try {
    const { payload } = await jwtVerify(token, keys, { issuer: c.env.IDENTITY_ORIGIN, audience: c.env.TOKEN_AUDIENCE ?? c.env.IDENTITY_ORIGIN, algorithms: ['ES256'] });
    return c.json({ user: payload.sub, tenant: payload.tenant, role: payload.role, requireSso: payload.requireSso });
  } catch {
    return c.json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
  }
});

// The copy of the directory: synced on the cron (and on demand here), read by the app.
app.post('/internal/sync/:tenant', async (c) => {
  const applied = await syncDirectory(c.env, c.req.param('tenant'));
  return applied === null ? c.json({ error: 'unknown_tenant' }, 404) : c.json({ applied });
});
app.get('/members/:tenant', async (c) => c.json({ members: await copiedMembers(c.env, c.req.param('tenant')) }));

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const tenants = env.SYNC_TENANTS.split(',').map((s) => s.trim()).filter(Boolean);
    ctx.waitUntil(Promise.all(tenants.map((tenant) => syncDirectory(env, tenant))));
  },
} satisfies ExportedHandler<Env>;
