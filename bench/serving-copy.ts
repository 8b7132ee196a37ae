/**
 * `node bench/serving-copy.ts [--users 100000]`: what the tenant object's serving copy
 * (docs/serving-copy.md) costs when it is not warm. A tenant of N users is seeded straight in D1
 * (test/support/seed-directory.ts), then, through the Worker's SCIM API:
 * - `firstAnswerMs`: the first lookup of a fresh object with no copy yet (it copies pages until it
 *   holds 5,000 rows, answers from D1, and leaves the rest of the rebuild to its alarm, a page an
 *   invocation);
 * - `wholeAfterMs`: from that first lookup until the copy is whole (the alarm copied the rest), read
 *   from the object's SQLite file as Miniflare persists it: no copy_meta `build` row left;
 * - `lookupMsWhileRebuilding`: lookups of random users one at a time until then (answered from D1):
 *   how many, p50, p99;
 * - `lookupMs`: 300 lookups once the copy is whole (p50, p99);
 * - `emailLookupMs`: 300 lookups by `emails[type eq "work"].value eq` (Entra's), once the copy is whole;
 * - `pageMs`: then 100 pages of 100 users in the default order, each at a random `startIndex`
 *   (an import walk's late pages, without the walk: p50, p99);
 * - `coldCurrentMs`: the first lookup after the Worker restarted on the same state (a new object
 *   whose copy is current: one D1 call to check it), then its own 300 lookups.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { database } from '../src/db/client.ts';
import { createScimToken, createTenant, enableScim } from '../src/tenants/tenant-store.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../test/support/local-worker.ts';
import { seedDirectory } from '../test/support/seed-directory.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' } } });
const users = Number(values.users);
const LOOKUPS = 300;
const PAGES = 100;

/** Resolves once the tenant object's copy under `dir` is whole: its SQLite holds the copy and no rebuild under way. */
async function copyWhole(dir: string): Promise<void> {
  const files = () => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.sqlite')).map((f) => join(dir, f));
  for (;;) {
    for (const file of files()) {
      const sqlite = new DatabaseSync(file, { readOnly: true });
      try {
        const meta = sqlite.prepare(`SELECT "name" FROM sqlite_master WHERE "name" = 'copy_meta'`).get();
        if (meta && !sqlite.prepare(`SELECT 1 FROM "copy_meta" WHERE "key" = 'build'`).get() && sqlite.prepare(`SELECT 1 FROM "copy_meta" WHERE "key" = 'schema'`).get()) return;
      } finally {
        sqlite.close();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const build = await buildWorker();
const stateDir = mkdtempSync(join(tmpdir(), 'edge-identity-copy-'));
let worker: LocalWorker | undefined;
try {
  worker = await startLocalWorker({ build, persistDir: stateDir });
  const db = database(worker.db);
  const tenant = await enableScim(db, await createTenant(db, 'big'));
  const { token } = await createScimToken(db, tenant, 'bench', undefined);
  const seedStarted = performance.now();
  await seedDirectory(worker.db, tenant.id, users);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  /** One lookup of user `n` as Okta sends it (or by `attribute`, as Entra may); its wall time in ms. */
  const lookup = async (n: number, attribute = 'userName'): Promise<number> => {
    const started = performance.now();
    const filter = encodeURIComponent(`${attribute} eq "user${n}@example.com"`);
    const res = await fetch(`${worker!.url}/scim/v2/big/Users?filter=${filter}&startIndex=1&count=100`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { totalResults?: number };
    if (res.status !== 200 || body.totalResults !== 1) throw new Error(`lookup of user${n} by ${attribute}: ${res.status} ${JSON.stringify(body)}`);
    return performance.now() - started;
  };
  /** One page of 100 users from `startIndex`; its wall time in ms. */
  const page = async (startIndex: number): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`${worker!.url}/scim/v2/big/Users?startIndex=${startIndex}&count=100`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { Resources?: unknown[] };
    if (res.status !== 200 || body.Resources?.length !== 100) throw new Error(`page at ${startIndex}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    return performance.now() - started;
  };
  /** `probe` (a lookup of a random user unless given) one at a time, `LOOKUPS` times or until `until` says stop: how many, p50, p99. */
  const percentiles = async (until: (done: number) => boolean = (done) => done === LOOKUPS, probe = () => lookup(1 + Math.floor(Math.random() * users))) => {
    const times: number[] = [];
    while (!until(times.length)) times.push(await probe());
    if (times.length === 0) return { n: 0, p50: null, p99: null };
    times.sort((a, b) => a - b);
    const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]! * 100) / 100;
    return { n: times.length, p50: at(0.5), p99: at(0.99) };
  };

  const firstLookup = performance.now();
  const firstAnswerMs = Math.round(await lookup(users));
  let wholeAfterMs: number | undefined;
  void copyWhole(stateDir).then(() => (wholeAfterMs = Math.round(performance.now() - firstLookup)));
  const whileRebuilding = await percentiles(() => wholeAfterMs !== undefined);
  const warm = await percentiles();
  const byEmail = await percentiles(undefined, () => lookup(1 + Math.floor(Math.random() * users), 'emails[type eq "work"].value'));
  const pages = await percentiles((done) => done === PAGES, () => page(1 + Math.floor(Math.random() * (users - 100))));
  await worker.stop();
  worker = await startLocalWorker({ build, persistDir: stateDir });
  const coldCurrentMs = Math.round((await lookup(1)) * 100) / 100;
  const afterRestart = await percentiles();
  console.log(JSON.stringify({ users, seedSeconds: Math.round(seedSeconds), firstAnswerMs, wholeAfterMs, lookupMsWhileRebuilding: whileRebuilding, lookupMs: warm, emailLookupMs: byEmail, pageMs: pages, coldCurrentMs, lookupMsAfterRestart: afterRestart }));
} finally {
  await worker?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  build.remove();
}
