/**
 * `node bench/lookup-floor.ts [--users 3000] [--requests 3000] [--rounds 3]`: how close Okta's
 * lookup comes to the least any Worker can do for it on the local runtime. Beside the project (as
 * `npm run bench` serves it, with N users created through SCIM), a probe Worker whose Durable
 * Object holds N user-like rows answers, on the same client at concurrency 16, in rounds that
 * alternate (the machine's speed drifts):
 * - `probeTrivial`: `GET /` answered by the Worker itself;
 * - `probeObjectConstant`: the Worker calls its object, which returns a constant;
 * - `probeObjectLookup`: the object looks one row up by a unique index and the Worker returns it as JSON;
 * - `edgeLookup`: the project's `GET /Users?filter=userName eq "…"&startIndex=1&count=100`.
 * req/s each; the closing line gives each round's `edgeLookup` over `probeObjectLookup`.
 */
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { parseArgs } from '../scripts/lib/args.ts';
import { quietLoopbackOptions } from '../test/support/local-worker.ts';
import { HttpClient } from './http.ts';
import { expectStatus, runLoad, type Sample } from './load.ts';
import { startBenchTarget } from './setup.ts';
import type { BenchUser } from './workload.ts';

const args = parseArgs(process.argv.slice(2), new Set());
const userCount = Number(args.flags.users ?? 3000);
const requests = Number(args.flags.requests ?? 3000);
const rounds = Number(args.flags.rounds ?? 3);
const CONCURRENCY = 16;

const probeScript = `
import { DurableObject } from 'cloudflare:workers';
export class Probe extends DurableObject {
  seed(n) {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS users (seq INTEGER PRIMARY KEY, tenant_id TEXT, user_name TEXT, data TEXT)');
    sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS users_tenant_username ON users (tenant_id, lower(user_name))');
    for (let i = 0; i < n; i++) {
      const userName = 'user' + i + '@probe.example';
      sql.exec('INSERT INTO users (tenant_id, user_name, data) VALUES (?, ?, ?)', 'probe', userName,
        JSON.stringify({ userName, name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: userName, type: 'work', primary: true }], displayName: 'Ada Lovelace', active: true }));
    }
  }
  constant() { return { totalResults: 0 }; }
  lookup(userName) { return this.ctx.storage.sql.exec('SELECT * FROM users WHERE tenant_id = ? AND lower(user_name) = ?', 'probe', userName).toArray(); }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/') return new Response('ok');
    const probe = env.PROBE.get(env.PROBE.idFromName('probe'));
    if (url.pathname === '/seed') { await probe.seed(Number(url.searchParams.get('n'))); return new Response('seeded'); }
    if (url.pathname === '/constant') return Response.json(await probe.constant());
    const rows = await probe.lookup(url.searchParams.get('userName'));
    return Response.json({ totalResults: rows.length, Resources: rows.map((r) => ({ ...JSON.parse(r.data), id: String(r.seq) })) });
  },
};`;

const probe = new Miniflare(
  convertV4MiniflareOptions({
    ...quietLoopbackOptions(),
    workers: [
      {
        name: 'probe',
        modules: true,
        script: probeScript,
        compatibilityDate: '2026-10-01',
        durableObjects: { PROBE: { className: 'Probe', useSQLite: true } },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
    ],
  }),
);
// Started inside the try: if the project's target fails to start, the probe is still disposed.
let target: Awaited<ReturnType<typeof startBenchTarget>> | undefined;
try {
  target = await startBenchTarget({ concurrency: CONCURRENCY });
  await probe.ready;
  const probeClient = new HttpClient((await probe.unsafeGetDirectURL('probe')).origin, CONCURRENCY);
  await probeClient.send('GET', `/seed?n=${userCount}`, undefined, 300_000);
  const w = target.workload;
  const users: BenchUser[] = [];
  const load = async (run: (i: number) => Promise<Sample>, count = requests) => {
    const result = await runLoad({ count, concurrency: CONCURRENCY, timeLimitMs: 120_000, run });
    if (result.errors > 0) throw new Error(`errors: ${result.firstErrors.join('; ')}`);
    return Math.round(result.completed / (result.wallMs / 1000));
  };
  await load((i) => w.create(i, (u) => users.push(u)), userCount);
  const probeLookup = async (i: number) => expectStatus(await probeClient.send('GET', `/lookup?userName=${encodeURIComponent(`user${i % userCount}@probe.example`)}`), 200);
  // Warm both: the project's object builds its copy at its first read.
  await load(probeLookup, 200);
  await load((i) => w.lookup(users[i % users.length]!.userName), 200);
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const row = {
      round,
      probeTrivial: await load(async () => expectStatus(await probeClient.send('GET', '/'), 200)),
      probeObjectConstant: await load(async () => expectStatus(await probeClient.send('GET', '/constant'), 200)),
      probeObjectLookup: await load(probeLookup),
      edgeLookup: await load((i) => w.lookup(users[i % users.length]!.userName)),
    };
    ratios.push(Math.round((row.edgeLookup / row.probeObjectLookup) * 100) / 100);
    console.log(JSON.stringify(row));
  }
  console.log(JSON.stringify({ users: userCount, concurrency: CONCURRENCY, edgeLookupOverProbeObjectLookup: ratios }));
  probeClient.close();
} finally {
  await target?.close();
  await probe.dispose();
}
