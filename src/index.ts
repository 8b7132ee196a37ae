/** The Worker: one Hono app for SCIM, sign-in and status, plus the tenant Durable Object class. */
import { Hono } from 'hono';
import type { Env } from './env.ts';
import { renderError } from './http/render-error.ts';
import pkg from '../package.json' with { type: 'json' };

export { TenantObject } from './tenants/tenant-object.ts';

const app = new Hono<{ Bindings: Env }>();

app.get('/', (c) => c.json({ name: pkg.name, version: pkg.version, status: 'ok' }));

app.onError(renderError);
app.notFound((c) => c.json({ error: 'not_found', path: new URL(c.req.url).pathname }, 404));

export default app;
