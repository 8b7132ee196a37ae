/**
 * Webhooks end to end: the built Worker in workerd (real D1, Durable Objects and Queues through
 * Miniflare) pushing a tenant's change log to real HTTP receivers on 127.0.0.1, which verify every
 * signature with the `standardwebhooks` package. Outages are scripted per request (500, no answer,
 * connection refused); the guarantee tested is the documented one: each endpoint receives every
 * event, each first arrival in seq order, a redelivery only with the same `webhook-id`.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { database, type Database } from '../../src/db/client.ts';
import { webhookDeadLetters, webhookEndpoints } from '../../src/db/schema.ts';
import { createScimToken, createTenant, enableScim, type Tenant } from '../../src/tenants/tenant-store.ts';
import { addEndpoint, enableEndpoint, replayFrom, requestPing, rotateSecret } from '../../src/webhooks/endpoint-store.ts';
import { oktaNewUser, oktaSetActive } from '../support/okta-bodies.ts';
import { buildWorker, startLocalWorker, type LocalWorker, type WorkerBuild } from '../support/local-worker.ts';
import { firstArrivals, startReceiver, type Receiver } from '../support/webhook-receiver.ts';

/** Short local retry schedule: 1 s, then 2 s; one delivery may take 1 s. */
const FAST_RETRIES = { WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_RETRY_MAX_SECONDS: '2', WEBHOOK_TIMEOUT_SECONDS: '1' };

let build: WorkerBuild;
let worker: LocalWorker;
let db: Database;
const receivers: Receiver[] = [];

beforeAll(async () => {
  build = await buildWorker();
  worker = await startLocalWorker({ build, vars: { ...FAST_RETRIES, WEBHOOK_DISABLE_AFTER_SECONDS: '3600' } });
  db = database(worker.db);
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await worker?.stop();
  build?.remove();
});

let tenants = 0;
async function scimTenant(on: LocalWorker) {
  const local = database(on.db);
  const slug = `hooks-${++tenants}`;
  const tenant = await enableScim(local, await createTenant(local, slug));
  const { token } = await createScimToken(local, tenant, 'okta', undefined);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const base = `${on.url}/scim/v2/${slug}`;
  const send = async (method: string, path: string, body: unknown, status: number) => {
    const res = await fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(status);
    return (await res.json()) as { id: string };
  };
  return {
    tenant,
    createUser: (userName: string) => send('POST', '/Users', oktaNewUser(userName), 201),
    deactivate: (id: string) => send('PATCH', `/Users/${id}`, oktaSetActive(false), 200),
  };
}

/** An endpoint of `tenant` at a new receiver (`events`: its subscription). */
async function hooked(tenant: Tenant, on = worker, events = '*') {
  const placeholder = await startReceiver('whsec_' + Buffer.alloc(32).toString('base64'));
  receivers.push(placeholder);
  const { info, secret } = await addEndpoint(database(on.db), on.secretsKey, tenant, { url: placeholder.url, events, localDev: true });
  placeholder.secrets = [secret];
  return { receiver: placeholder, endpointId: info.id, secret };
}

const endpointRow = async (id: string, on = db) => (await on.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get())!;

/** Every seq 1…n arrived, each first arrival in order; repeats only of an event already delivered. */
function expectInOrder(receiver: Receiver, n: number) {
  expect(firstArrivals(receiver.accepted)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(receiver.rejected).toEqual([]);
  for (const d of receiver.accepted) expect(d.headers['webhook-id']).toBe(d.id);
}

describe('webhook delivery through the queue', () => {
  it("a receiver failing with 500 holds back only its own endpoint, then gets every event in seq order; another endpoint, and another tenant's, are not held back", async () => {
    const t = await scimTenant(worker);
    const failing = await hooked(t.tenant);
    const healthy = await hooked(t.tenant);
    let refusals = 0;
    failing.receiver.answer = () => (refusals++ < 3 ? 500 : 204);
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await t.createUser(`ada.n${i}@acme.com`));
    await t.deactivate(users[0]!.id);
    const other = await scimTenant(worker);
    const otherHook = await hooked(other.tenant);
    await other.createUser('someone.else@other.com');
    await Promise.all([healthy.receiver.until((a) => a.length >= 7), otherHook.receiver.until((a) => a.length >= 1)]);
    // The healthy endpoint, and another tenant's, had everything while the failing one still waited for its retries.
    expect(failing.receiver.accepted.length).toBeLessThan(7);
    expectInOrder(healthy.receiver, 7);
    expectInOrder(otherHook.receiver, 1);
    expect(otherHook.receiver.accepted[0]!.body.tenant).toBe(other.tenant.slug);
    await failing.receiver.until((a) => firstArrivals(a).length >= 7);
    expectInOrder(failing.receiver, 7);
    expect(failing.receiver.attempts.filter((d) => d.seq === 1).length).toBe(4);
    expect(failing.receiver.accepted.map((d) => d.type)).toEqual([...Array(6).fill('user.created'), 'user.deactivated']);
    const health = await endpointRow(failing.endpointId);
    expect(health).toMatchObject({ deliveredSeq: 7, consecutiveFailures: 0, enabled: true, lastError: 'HTTP 500 from the receiver' });
  });

  it('a receiver that does not answer (timeout) and one that refuses connections both get every event once they recover', async () => {
    const t = await scimTenant(worker);
    const slow = await hooked(t.tenant);
    const down = await hooked(t.tenant);
    let hung = 0;
    slow.receiver.answer = () => (hung++ < 2 ? 'hang' : 204);
    await down.receiver.stop();
    for (let i = 0; i < 3; i++) await t.createUser(`grace.n${i}@acme.com`);
    await vi.waitFor(async () => expect((await endpointRow(down.endpointId)).lastError).toMatch(/could not reach the receiver/), { timeout: 20_000, interval: 200 });
    await down.receiver.start();
    await Promise.all([slow.receiver.until((a) => firstArrivals(a).length >= 3), down.receiver.until((a) => firstArrivals(a).length >= 3)]);
    expectInOrder(slow.receiver, 3);
    expectInOrder(down.receiver, 3);
    expect((await endpointRow(slow.endpointId)).lastError).toBe('no answer within 1 s');
  });

  it('replay from a seq redelivers those events with their ids; a ping is signed like an event', async () => {
    const t = await scimTenant(worker);
    const hook = await hooked(t.tenant);
    for (let i = 0; i < 4; i++) await t.createUser(`alan.n${i}@acme.com`);
    await hook.receiver.until((a) => a.length >= 4);
    const firstIds = hook.receiver.accepted.map((d) => d.id);
    await replayFrom(db, t.tenant, hook.endpointId, 2);
    await requestPing(db, t.tenant, hook.endpointId);
    await worker.scheduled('* * * * *');
    await hook.receiver.until((a) => a.length >= 8);
    const replayed = hook.receiver.accepted.slice(4);
    expect(replayed.map((d) => d.type)).toEqual(['ping', 'user.created', 'user.created', 'user.created']);
    expect(replayed.slice(1).map((d) => d.id)).toEqual(firstIds.slice(1));
    expect(replayed[0]!.body).toMatchObject({ type: 'ping', tenant: t.tenant.slug, data: { endpointId: hook.endpointId } });
    expect((await endpointRow(hook.endpointId)).pingRequestedAt).toBeNull();
  });

  it('a rotated secret: deliveries verify with the old and with the new secret during the grace period', async () => {
    const t = await scimTenant(worker);
    const hook = await hooked(t.tenant);
    const { secret: next } = await rotateSecret(db, worker.secretsKey, t.tenant, hook.endpointId, 3600);
    hook.receiver.secrets = [hook.secret];
    await t.createUser('old.secret@acme.com');
    await hook.receiver.until((a) => a.length >= 1);
    hook.receiver.secrets = [next];
    await t.createUser('new.secret@acme.com');
    await hook.receiver.until((a) => a.length >= 2);
    expect(hook.receiver.rejected).toEqual([]);
    expect(String(hook.receiver.accepted[1]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('an endpoint subscribed to some types receives only those, still in seq order', async () => {
    const t = await scimTenant(worker);
    const hook = await hooked(t.tenant, worker, 'user.deactivated');
    const ada = await t.createUser('only.deactivations@acme.com');
    await t.deactivate(ada.id);
    await hook.receiver.until((a) => a.length >= 1);
    expect(hook.receiver.accepted.map((d) => [d.type, d.seq])).toEqual([['user.deactivated', 2]]);
    await vi.waitFor(async () => expect((await endpointRow(hook.endpointId)).deliveredSeq).toBe(2), { timeout: 10_000, interval: 100 });
  });
});

describe('a long outage', () => {
  it('disables the endpoint with a dead letter; re-enabled, it resumes where it stopped and misses nothing', async () => {
    const short = await startLocalWorker({ build, vars: { ...FAST_RETRIES, WEBHOOK_DISABLE_AFTER_SECONDS: '2' } });
    try {
      const local = database(short.db);
      const t = await scimTenant(short);
      const hook = await hooked(t.tenant, short);
      hook.receiver.answer = () => 503;
      await t.createUser('outage.one@acme.com');
      await t.createUser('outage.two@acme.com');
      await vi.waitFor(async () => expect((await endpointRow(hook.endpointId, local)).enabled).toBe(false), { timeout: 30_000, interval: 200 });
      const row = await endpointRow(hook.endpointId, local);
      expect(row).toMatchObject({ deliveredSeq: 0, lastError: 'HTTP 503 from the receiver' });
      expect(row.disabledReason).toMatch(/^failing since .*; last error: HTTP 503/);
      const dead = await local.select().from(webhookDeadLetters).where(eq(webhookDeadLetters.endpointId, hook.endpointId)).all();
      expect(dead).toMatchObject([{ seq: 1, lastError: 'HTTP 503 from the receiver' }]);
      expect(dead[0]!.attempts).toBeGreaterThanOrEqual(2);
      hook.receiver.answer = () => 204;
      await t.createUser('outage.three@acme.com');
      await enableEndpoint(local, t.tenant, hook.endpointId);
      await short.scheduled('* * * * *');
      await hook.receiver.until((a) => firstArrivals(a).length >= 3);
      expectInOrder(hook.receiver, 3);
    } finally {
      await short.stop();
    }
  });
});
