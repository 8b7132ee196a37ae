/** The Worker: one Hono app for SCIM, sign-in, self-service setup and status, plus the tenant Durable Object class. */
import { Hono } from 'hono';
import pkg from '../package.json' with { type: 'json' };
import { configOf } from './config.ts';
import type { Env } from './env.ts';
import { apiRoutes } from './api/routes.ts';
import { problemResponse, renderError } from './http/render-error.ts';
import { authRoutes } from './oidc/routes.ts';
import { canonicalScimRequest } from './scim/canonical-path.ts';
import { scimRoutes } from './scim/routes/scim-routes.ts';
import { setupRoutes } from './setup/routes.ts';

export { TenantObject } from './tenant-object/tenant-object.ts';

const app = new Hono<{ Bindings: Env }>({ strict: false });

// A misconfigured deployment answers every request with the precise error, checked once per isolate.
app.use((c, next) => {
  configOf(c.env);
  return next();
});

app.get('/', (c) => c.json({ name: pkg.name, version: pkg.version, status: 'ok' }));
app.route('/scim/v2', scimRoutes);
app.route('/auth', authRoutes);
app.route('/setup', setupRoutes);
app.route('/api/v1', apiRoutes);

app.onError(renderError);
app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  // Under /api the management API's shape, even for a version it does not serve.
  if (path.startsWith('/api/')) return problemResponse(404, `There is no ${c.req.method} ${path} in the management API.`);
  return c.json({ error: 'not_found', path }, 404);
});

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(canonicalScimRequest(request), env, ctx),
} satisfies ExportedHandler<Env>;
