/**
 * `node bench/profile.ts [--phase create|lookup|deactivate|ceiling] [--requests N] [--concurrency C]`:
 * runs one phase's requests while V8 samples our Worker's isolate and the local D1 simulator's,
 * then prints CPU ms per request in each and the hottest functions. For finding where time goes.
 */
import { createServer } from 'node:net';
import { parseArgs } from '../scripts/lib/args.ts';
import { profileWhile } from './cpu-profile.ts';
import { runLoad, type Sample } from './load.ts';
import type { BenchUser } from './workload.ts';
import { startBenchTarget } from './setup.ts';

const args = parseArgs(process.argv.slice(2), new Set());
const phase = String(args.flags.phase ?? 'create');
const requests = Number(args.flags.requests ?? 2000);
const concurrency = Number(args.flags.concurrency ?? 16);
const ISOLATES = ['core:user:edge-identity', 'd1:db:entry', 'd1:db'];

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const inspectorPort = await freePort();
const target = await startBenchTarget({ concurrency, inspectorPort });
try {
  const w = target.workload;
  const users: BenchUser[] = [];
  const load = (run: (i: number) => Promise<Sample>) => runLoad({ count: requests, concurrency, timeLimitMs: 120_000, run });
  if (!['create', 'ceiling', 'auth'].includes(phase)) await load((i) => w.create(i, (u) => users.push(u)));
  const work: Record<string, (i: number) => Promise<Sample>> = {
    ceiling: () => w.ceiling(),
    auth: async () => {
      const r = await w.client.send('GET', `${w.base}/ServiceProviderConfig`);
      return { ms: r.ms, ok: r.status === 200 };
    },
    create: (i) => w.create(requests + i, (u) => users.push(u)),
    lookup: (i) => w.lookup(users[i % users.length]!.userName),
    deactivate: (i) => w.deactivate(users[i % users.length]!),
  };
  const run = work[phase];
  if (!run) throw new Error(`unknown --phase ${phase} (one of ${Object.keys(work).join(', ')})`);
  let done = 0;
  let wallMs = 0;
  const profiles = await profileWhile(inspectorPort, ISOLATES, async () => {
    const result = await load(run);
    done = result.completed;
    wallMs = result.wallMs;
    if (result.errors) console.error(`${result.errors} errors: ${result.firstErrors.join(' | ')}`);
  });
  console.log(`${phase}: ${done} requests in ${Math.round(wallMs)} ms (${Math.round((done / wallMs) * 1000)}/s) at concurrency ${concurrency}`);
  for (const p of profiles) {
    console.log(`\n${p.target}: ${p.busyMs} ms busy, ${Math.round((p.busyMs / done) * 1000)} µs per request`);
    for (const f of p.top) console.log(`  ${String(f.selfMs).padStart(8)} ms  ${f.fn}`);
  }
} finally {
  await target.close();
}
