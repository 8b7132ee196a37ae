/** The Worker: one Hono app for SCIM, sign-in, self-service setup and status, plus the tenant Durable Object class. */
import { Hono } from 'hono';
import pkg from '../package.json' with { type: 'json' };
import { configOf } from './config.ts';
import type { Env } from './env.ts';
import { adminRoutes } from './admin/routes.ts';
import { apiRoutes } from './api/routes.ts';
import { pruneIdempotentRequests } from './api/idempotency.ts';
import { problemResponse, renderError } from './http/render-error.ts';
import { authRoutes } from './oidc/routes.ts';
import { canonicalScimRequest } from './scim/canonical-path.ts';
import { scimRoutes } from './scim/routes/scim-routes.ts';
import { setupRoutes } from './setup/routes.ts';
import { database } from './db/client.ts';
import { pruneEvents, retentionCutoff } from './events/retention.ts';
import { pruneAudit } from './audit/audit-retention.ts';
import { finishDeletions } from './tenants/tenant-deletion.ts';
import { deliverKicks } from './webhooks/delivery.ts';
import type { WebhookKick } from './webhooks/kicks.ts';
import { sweepEndpoints } from './webhooks/sweep.ts';
import { publishedKeys } from './sessions/signing-keys.ts';
import { tenantAccessRoutes } from './tenant-access-route.ts';

export { TenantObject } from './tenant-object/tenant-object.ts';
export { IdentityApi } from './binding/identity-api.ts';

const app = new Hono<{ Bindings: Env }>({ strict: false });

// A misconfigured deployment answers every request with the precise error, checked once per isolate.
app.use((c, next) => {
  configOf(c.env);
  return next();
});

app.get('/', (c) => c.json({ name: pkg.name, version: pkg.version, status: 'ok' }));
// The session tokens' public keys (RFC 7517), current and recently retired.
app.get('/.well-known/jwks.json', async (c) => {
  c.header('cache-control', 'public, max-age=300');
  return c.json({ keys: await publishedKeys(database(c.env.DB)) });
});
app.route('/scim/v2', scimRoutes);
app.route('/auth', authRoutes);
app.route('/setup', setupRoutes);
app.route('/api/v1', apiRoutes);
app.route('/admin', adminRoutes);
app.route('/internal', tenantAccessRoutes);

app.onError(renderError);
app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  // Under /api the management API's shape, even for a version it does not serve.
  if (path.startsWith('/api/')) return problemResponse(404, `There is no ${c.req.method} ${path} in the management API.`);
  return c.json({ error: 'not_found', path }, 404);
});

/**
 * wrangler.toml's hourly trigger prunes the change log, the audit log and old idempotency records;
 * the minute trigger carries on tenant deletions and sweeps webhook endpoints.
 */
const PRUNE_CRON = '41 * * * *';
/** Chunk statements a minute's run spends on deleted tenants (up to 300,000 rows; D1 allows 1,000 queries per invocation). */
const DELETION_STATEMENTS_PER_MINUTE = 300;

async function scheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron === PRUNE_CRON) {
    const db = database(env.DB);
    const config = configOf(env);
    const deleted = await pruneEvents(db, retentionCutoff(config.eventRetentionDays));
    if (deleted) console.log(`[events] pruned ${deleted} events past retention`);
    const audited = await pruneAudit(db, retentionCutoff(config.auditRetentionDays));
    if (audited) console.log(`[audit] pruned ${audited} audit rows past retention`);
    await pruneIdempotentRequests(db);
  } else {
    const deleted = await finishDeletions(database(env.DB), DELETION_STATEMENTS_PER_MINUTE);
    if (deleted) console.log(`[tenants] deleted ${deleted} rows of deleted tenants`);
    await sweepEndpoints(env);
  }
}

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(canonicalScimRequest(request), env, ctx),
  queue: (batch: MessageBatch<WebhookKick>, env: Env) => deliverKicks(batch, env),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => ctx.waitUntil(scheduled(controller, env)),
} satisfies ExportedHandler<Env, WebhookKick>;
