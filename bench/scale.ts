/**
 * Scale mode (`--users` ≥ 10,000): loads one tenant through the API (POST /Users, the same code
 * path Okta uses) and, at 1k, 10k, 100k (and N) users, measures single-request latency of a
 * `userName eq` lookup, a sequential import walk, a late page reached by that walk and a late
 * page off the walk's 100-grid (both through `page_buckets`). Flat figures mean no scan grows with N.
 */
import { runLoad, type Sample } from './load.ts';
import { shuffled, type PhaseSettings } from './phases.ts';
import { percentile, table } from './report.ts';
import type { BenchUser, ScimWorkload } from './workload.ts';

/** From this many users on, `--users` means the scale mode. */
export const SCALE_MODE_USERS = 10_000;
const CHECKPOINTS = [1_000, 10_000, 100_000];
const LOAD_CONCURRENCY = 32;
const LOAD_TIME_LIMIT_MS = 30 * 60_000;
const PROBE_TIME_LIMIT_MS = 60_000;
const LOOKUPS = 300;
const LATE_PAGE_REPEATS = 30;
const PAGE_SIZE = 100;

interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

function latency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const r = (q: number) => Math.round(percentile(sorted, q) * 100) / 100;
  return { n: samples.length, p50: r(0.5), p95: r(0.95), p99: r(0.99) };
}

/** One request at a time, so the figures are latency, not queueing. */
async function sequential(count: number, run: (i: number) => Promise<Sample>): Promise<number[]> {
  const result = await runLoad({ count, concurrency: 1, timeLimitMs: PROBE_TIME_LIMIT_MS, run });
  if (result.errors > 0) throw new Error(`probe failed: ${result.firstErrors.join(' | ')}`);
  return Array.from(result.latencies);
}

async function probe(w: ScimWorkload, users: BenchUser[]) {
  const order = shuffled(users.length);
  const lookup = await sequential(LOOKUPS, (i) => w.lookup(users[order[i]!]!.userName));
  const pages = Math.ceil(users.length / PAGE_SIZE);
  const walk = await sequential(pages, async (i) => (await w.page(i * PAGE_SIZE + 1, PAGE_SIZE)).sample);
  const lastWalked = (pages - 1) * PAGE_SIZE + 1;
  const latePageOnGrid = await sequential(LATE_PAGE_REPEATS, async () => (await w.page(lastWalked, PAGE_SIZE)).sample);
  // Off the walk's 100-grid: a start no import walk asks for.
  const coldStart = Math.max(2, users.length - PAGE_SIZE - 49);
  const latePageCold = await sequential(LATE_PAGE_REPEATS, async () => (await w.page(coldStart, PAGE_SIZE)).sample);
  return { lookup: latency(lookup), walkPage: latency(walk), latePageOnGrid: latency(latePageOnGrid), latePageCold: latency(latePageCold), coldStartIndex: coldStart };
}

/** Loads users up to each checkpoint and probes; returns JSON records and a table. */
export async function runScale(w: ScimWorkload, settings: PhaseSettings, say: (line: string) => void): Promise<{ records: object[]; text: string }> {
  const checkpoints = [...new Set([...CHECKPOINTS.filter((c) => c < settings.users), settings.users])];
  const users: BenchUser[] = [];
  const records: object[] = [];
  const rows: Record<string, string | number>[] = [];
  for (const target of checkpoints) {
    const from = users.length;
    say(`… loading users ${from}→${target} through POST /Users at concurrency ${LOAD_CONCURRENCY}`);
    const load = await runLoad({ count: target - from, concurrency: LOAD_CONCURRENCY, timeLimitMs: LOAD_TIME_LIMIT_MS, run: (i) => w.create(from + i, (u) => users.push(u)) });
    const rps = Math.round((load.completed / load.wallMs) * 1000);
    records.push({ type: 'scale-load', from, to: users.length, seconds: Math.round(load.wallMs / 100) / 10, rps, errors: load.errors });
    if (load.errors > 0 || load.truncated) throw new Error(`loading stopped at ${users.length} users: ${load.firstErrors.join(' | ') || 'time limit'}`);
    say(`… probing at ${users.length} users (loaded at ${rps}/s)`);
    const figures = await probe(w, users);
    records.push({ type: 'scale', users: users.length, ...figures });
    rows.push({
      users: users.length,
      'lookup p50': figures.lookup.p50,
      'lookup p99': figures.lookup.p99,
      'walk page p50': figures.walkPage.p50,
      'walk page p99': figures.walkPage.p99,
      'late page (on grid) p50': figures.latePageOnGrid.p50,
      'late page (cold) p50': figures.latePageCold.p50,
      'late page (cold) p99': figures.latePageCold.p99,
    });
  }
  return { records, text: `latency in ms, one request at a time\n${table(rows)}` };
}
