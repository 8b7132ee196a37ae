import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { createScimToken, createTenant, enableScim } from '../../src/tenants/tenant-store.ts';
import { startLocalWorker, type LocalWorker } from '../support/local-worker.ts';

let worker: LocalWorker;
beforeAll(async () => {
  worker = await startLocalWorker();
});
afterAll(async () => {
  await worker?.stop();
});

describe('the Worker served by Miniflare on 127.0.0.1', () => {
  it('listens on a loopback port and reports its bundle size', async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await fetch(`${worker.url}/`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ status: 'ok' });
    expect(worker.build.bytes).toBeGreaterThan(worker.build.gzipBytes);
  });

  it('serves SCIM over real HTTP for a tenant seeded through the tenant store', async () => {
    const db = database(worker.db);
    const tenant = await enableScim(db, await createTenant(db, 'http-co', { name: 'HTTP Co' }));
    const { token } = await createScimToken(db, tenant, 'test', undefined);
    const base = `${worker.url}/scim/v2/http-co`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
    const created = await fetch(`${base}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@http.example', active: true }),
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; userName: string };
    expect(created.headers.get('location')).toBe(`${base}/Users/${user.id}`);
    const found = await fetch(`${base}/Users?filter=${encodeURIComponent('userName eq "ADA@http.example"')}`, { headers });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: user.id, userName: 'ada@http.example' }] });
    const denied = await fetch(`${base}/Users/${user.id}`, { headers: { authorization: 'Bearer eid_scim_wrong' } });
    expect(denied.status).toBe(401);
  });
});
