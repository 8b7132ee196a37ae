/**
 * Domain verification through the management API, against a real DNS-over-HTTPS (JSON) resolver on
 * 127.0.0.1 (`DOH_URL`): not published yet is 409 naming what was found, published is verified and
 * routes home-realm discovery, a failing or absent resolver is 502 and changes nothing.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/api-keys.ts';
import { database } from '../../src/db/client.ts';
import { createTenant } from '../../src/tenants/tenant-store.ts';
import { startLocalWorker, type LocalWorker } from '../support/local-worker.ts';
import { closeServer, listenOnLoopback } from '../support/node-http.ts';

/** TXT records the resolver serves, by name; `failWith` makes it answer that status instead. */
const records = new Map<string, string[]>();
let failWith: number | undefined;
const asked: string[] = [];

let resolver: Server;
let worker: LocalWorker;
let key: string;

beforeAll(async () => {
  resolver = createServer((req, res) => {
    const url = new URL(req.url!, 'http://resolver');
    asked.push(`${url.searchParams.get('type')} ${url.searchParams.get('name')} ${req.headers.accept}`);
    if (failWith) return void res.writeHead(failWith).end();
    const name = url.searchParams.get('name')!;
    const answer = (records.get(name) ?? []).map((value) => ({ name, type: 16, TTL: 60, data: `"${value}"` }));
    res.writeHead(200, { 'content-type': 'application/dns-json' }).end(JSON.stringify({ Status: 0, Answer: answer }));
  });
  const port = await listenOnLoopback(resolver);
  worker = await startLocalWorker({ vars: { DOH_URL: `http://127.0.0.1:${port}/dns-query` } });
  const db = database(worker.db);
  await createTenant(db, 'acme');
  key = (await createApiKey(db, 'backend')).key;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  if (resolver) await closeServer(resolver);
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${worker.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe('verifying a domain through the API', () => {
  it('is 409 until the TXT record is published, then verified; discovery follows', async () => {
    const added = (await (await api('POST', '/tenants/acme/domains', { domain: 'acme.example' })).json()) as { txtName: string; txtValue: string; verified: boolean };
    expect(added.verified).toBe(false);
    const early = await api('POST', '/tenants/acme/domains/acme.example/verify');
    expect(early.status).toBe(409);
    expect(((await early.json()) as { detail: string }).detail).toMatch(/does not hold ".+" yet \(found: nothing\)/);
    expect(asked.at(-1)).toBe(`TXT ${added.txtName} application/dns-json`);
    expect((await api('GET', '/domains/acme.example')).status).toBe(404);

    records.set(added.txtName, ['v=spf1 -all', added.txtValue]);
    const verified = await api('POST', '/tenants/acme/domains/acme.example/verify');
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ domain: 'acme.example', verified: true, verifiedAt: expect.any(String) });
    expect(await (await api('GET', '/domains/acme.example')).json()).toMatchObject({ tenant: 'acme', signInUrl: `${worker.url}/auth/acme/login` });
  });

  it('a resolver that fails or is gone is 502 and changes nothing', async () => {
    await api('POST', '/tenants/acme/domains', { domain: 'later.example' });
    failWith = 503;
    const failing = await api('POST', '/tenants/acme/domains/later.example/verify');
    expect(failing.status).toBe(502);
    expect(((await failing.json()) as { detail: string }).detail).toMatch(/DNS lookup of _edge-identity\.later\.example failed: 503/);
    failWith = undefined;
    await closeServer(resolver);
    const gone = await api('POST', '/tenants/acme/domains/later.example/verify');
    expect(gone.status).toBe(502);
    const listed = (await (await api('GET', '/tenants/acme/domains')).json()) as { data: { domain: string; verified: boolean }[] };
    expect(listed.data.find((d) => d.domain === 'later.example')).toMatchObject({ verified: false });
  });
});
