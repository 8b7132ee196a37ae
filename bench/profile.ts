/**
 * `node bench/profile.ts [--phase create|lookup|deactivate|ceiling|auth] [--requests N] [--concurrency C] [--save DIR]`:
 * runs one phase's requests while V8 samples our Worker's isolate and the local D1 simulator's,
 * then prints CPU µs per request in each, split by kind (our src/, each npm package, workerd's
 * natives and internal JS, GC), per module, and the hottest functions (self and inclusive).
 * `--save` writes each isolate's `.cpuprofile` (open in Chrome DevTools) next to the bundle it ran.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { parseArgs } from '../scripts/lib/args.ts';
import { bundleModules, profileWhile, type IsolateProfile } from './cpu-profile.ts';
import { runLoad, type Sample } from './load.ts';
import type { BenchUser } from './workload.ts';
import { startBenchTarget } from './setup.ts';

const args = parseArgs(process.argv.slice(2), new Set());
const phase = String(args.flags.phase ?? 'create');
const requests = Number(args.flags.requests ?? 2000);
const concurrency = Number(args.flags.concurrency ?? 16);
const saveDir = typeof args.flags.save === 'string' ? args.flags.save : undefined;
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
  const entry = target.worker.build.entry;
  const bundle = { file: basename(entry), starts: bundleModules(readFileSync(entry, 'utf8')) };
  const profiles = await profileWhile(
    inspectorPort,
    ISOLATES,
    async () => {
      const result = await load(run);
      done = result.completed;
      wallMs = result.wallMs;
      if (result.errors) console.error(`${result.errors} errors: ${result.firstErrors.join(' | ')}`);
    },
    { bundle },
  );
  console.log(`${phase}: ${done} requests in ${Math.round(wallMs)} ms (${Math.round((done / wallMs) * 1000)}/s) at concurrency ${concurrency}`);
  const perRequest = (ms: number) => `${String(Math.round((ms / done) * 1000)).padStart(6)} µs`;
  for (const p of profiles) {
    console.log(`\n${p.target}: ${p.busyMs} ms busy, ${perRequest(p.busyMs).trim()} per request`);
    if (p.target === ISOLATES[0]) printSplit(p, perRequest);
    console.log('  self time:');
    for (const f of p.top) console.log(`  ${perRequest(f.selfMs)}  ${f.fn}`);
  }
  if (saveDir) {
    mkdirSync(saveDir, { recursive: true });
    copyFileSync(entry, join(saveDir, bundle.file));
    copyFileSync(`${entry}.map`, join(saveDir, `${bundle.file}.map`));
    for (const p of profiles) writeFileSync(join(saveDir, `${phase}-${p.target.replaceAll(':', '_')}.cpuprofile`), JSON.stringify(p.raw));
    console.log(`\nprofiles and bundle written to ${saveDir}`);
  }
} finally {
  await target.close();
}

/** Our isolate's time by kind (percent of busy), then by module, then the inclusive top. */
function printSplit(p: IsolateProfile, perRequest: (ms: number) => string): void {
  const kind = (module: string) => (module.startsWith('src/') ? 'ours (src/)' : module.startsWith('(') || module.includes(':') ? `runtime ${module}` : module);
  const kinds = new Map<string, number>();
  for (const m of p.modules) kinds.set(kind(m.module), (kinds.get(kind(m.module)) ?? 0) + m.ms);
  const pct = (ms: number) => `${String(Math.round((ms / p.busyMs) * 100)).padStart(3)}%`;
  console.log('  by kind (self time):');
  for (const [name, ms] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`  ${perRequest(ms)} ${pct(ms)}  ${name}`);
  console.log('  by module (self time):');
  for (const m of p.modules.slice(0, 25)) console.log(`  ${perRequest(m.ms)} ${pct(m.ms)}  ${m.module}`);
  console.log('  inclusive:');
  for (const f of p.inclusive) console.log(`  ${perRequest(f.ms)} ${pct(f.ms)}  ${f.fn}`);
}
