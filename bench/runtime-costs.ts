/**
 * `node bench/runtime-costs.ts`: what the local runtime charges for the operations a SCIM request
 * is made of — a D1 call, one more statement in a D1 batch, a Durable Object RPC, a query of the
 * object's own SQLite — as workerd CPU µs and wall µs per operation. It explains the bench's
 * figures: a D1 call in Miniflare's simulator costs far more CPU than anything else a request does.
 */
import { readFileSync } from 'node:fs';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { quietLoopbackOptions } from '../test/support/local-worker.ts';
import { childWorkerdPid } from './process-memory.ts';

// A probe Worker: each route repeats one kind of operation n times inside one request.
const script = `
import { DurableObject } from 'cloudflare:workers';
export class Probe extends DurableObject {
  ping() { return 1; }
  sql(n) { let s = 0; for (let i = 0; i < n; i++) s += this.ctx.storage.sql.exec('SELECT ? AS x', i).one().x; return s; }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n'));
    const probe = env.PROBE.get(env.PROBE.idFromName('probe'));
    switch (url.pathname) {
      case '/d1-call': for (let i = 0; i < n; i++) await env.DB.prepare('SELECT ? AS x').bind(i).first(); break;
      case '/d1-batched-statement': await env.DB.batch(Array.from({ length: n }, (_, i) => env.DB.prepare('SELECT ? AS x').bind(i))); break;
      case '/do-rpc': for (let i = 0; i < n; i++) await probe.ping(); break;
      case '/do-sqlite-query': await probe.sql(n); break;
    }
    return new Response('ok');
  },
};`;

const OPERATIONS: [path: string, n: number][] = [
  ['/d1-call', 2000],
  ['/d1-batched-statement', 2000],
  ['/do-rpc', 5000],
  ['/do-sqlite-query', 20000],
];

const mf = new Miniflare(
  convertV4MiniflareOptions({
    ...quietLoopbackOptions(),
    workers: [
      {
        name: 'probe',
        modules: true,
        script,
        compatibilityDate: '2026-10-01',
        d1Databases: { DB: 'probe' },
        durableObjects: { PROBE: { className: 'Probe', useSQLite: true } },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      },
    ],
  }),
);
try {
  await mf.ready;
  const origin = (await mf.unsafeGetDirectURL('probe')).origin;
  const pid = childWorkerdPid();
  if (!pid) throw new Error('no workerd process found');
  const cpuMs = () => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  };
  for (const [path, n] of OPERATIONS) {
    await (await fetch(`${origin}${path}?n=10`)).text();
    const cpu = cpuMs();
    const started = performance.now();
    await (await fetch(`${origin}${path}?n=${n}`)).text();
    const wallUs = ((performance.now() - started) / n) * 1000;
    const cpuUs = ((cpuMs() - cpu) / n) * 1000;
    console.log(JSON.stringify({ operation: path.slice(1), count: n, workerdCpuUsEach: Math.round(cpuUs), wallUsEach: Math.round(wallUs) }));
  }
} finally {
  await mf.dispose();
}
