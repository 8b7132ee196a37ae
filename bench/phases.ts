/**
 * The default run's phases, in Okta's order: ceiling, create, lookup, deactivate, import, group
 * membership adds, race. Each is bounded by a request count and a time limit.
 */
import { runLoad, type LoadResult, type Sample } from './load.ts';
import { phaseReport, type PhaseReport } from './report.ts';
import type { BenchUser, ScimWorkload } from './workload.ts';

/** How big and how long. */
export interface PhaseSettings {
  users: number;
  concurrency: number;
  /** Requests of the trivial route. */
  ceilingRequests: number;
  /** Rounds of the userName race. */
  raceRounds: number;
  /** Upper bound on each phase's duration. */
  phaseTimeLimitMs: number;
}

/** How many POSTs contend in each race round (issue 6: 16 simultaneous POSTs of one userName). */
export const RACE_CONTENDERS = 16;
const PAGE_SIZE = 100;
const MEMBERS_PER_GROUP = 100;

function load(settings: PhaseSettings, count: number, run: (i: number) => Promise<Sample>, concurrency = settings.concurrency): Promise<LoadResult> {
  return runLoad({ count, concurrency, timeLimitMs: settings.phaseTimeLimitMs, run });
}

/** GET / — what the runtime serves when the Worker does (almost) nothing. */
export async function ceilingPhase(w: ScimWorkload, s: PhaseSettings): Promise<PhaseReport> {
  return phaseReport('ceiling', await load(s, s.ceilingRequests, () => w.ceiling()), 'GET / (trivial route)');
}

/** POST /Users × users; fills `users` with what was created, in index order. */
export async function createPhase(w: ScimWorkload, s: PhaseSettings, users: BenchUser[], firstIndex = 0): Promise<PhaseReport> {
  const result = await load(s, s.users, (i) => w.create(firstIndex + i, (u) => (users[i] = u)));
  // Keep only the slots that were filled, so later phases see real users.
  const created = users.filter(Boolean);
  users.length = 0;
  users.push(...created);
  return phaseReport('create', result, "POST /Users (Okta's body)");
}

/** `userName eq` lookups of existing users, in shuffled order. */
export async function lookupPhase(w: ScimWorkload, s: PhaseSettings, users: BenchUser[]): Promise<PhaseReport> {
  const order = shuffled(users.length);
  return phaseReport('lookup', await load(s, s.users, (i) => w.lookup(users[order[i % order.length]!]!.userName)), 'GET /Users?filter=userName eq "x"');
}

/** Okta's pathless `replace {active:false}` of every user. */
export async function deactivatePhase(w: ScimWorkload, s: PhaseSettings, users: BenchUser[]): Promise<PhaseReport> {
  return phaseReport('deactivate', await load(s, users.length, (i) => w.deactivate(users[i]!)), 'PATCH /Users/{id} pathless active=false');
}

/**
 * Import: `concurrency` importers at once, each paging through every user with count=100 one page
 * after another (as Okta does); every page finds its start through `page_buckets`.
 */
export async function importPhase(w: ScimWorkload, s: PhaseSettings, expectedTotal: number): Promise<PhaseReport> {
  const pages = Math.ceil(expectedTotal / PAGE_SIZE);
  const walkers = s.concurrency;
  const started = performance.now();
  const deadline = started + s.phaseTimeLimitMs;
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let truncated = false;
  const walk = async () => {
    for (let page = 0; page < pages; page++) {
      if (performance.now() >= deadline) {
        truncated = true;
        return;
      }
      try {
        const { sample, totalResults } = await w.page(page * PAGE_SIZE + 1, PAGE_SIZE);
        latencies.push(sample.ms);
        const ok = sample.ok && totalResults === expectedTotal;
        if (!ok) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(sample.error ?? `totalResults ${totalResults}, expected ${expectedTotal}`);
        }
      } catch (err) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: walkers }, walk));
  const result: LoadResult = { latencies: Float64Array.from(latencies), completed: latencies.length, errors, wallMs: performance.now() - started, truncated, firstErrors };
  return phaseReport('import', result, `${walkers} importers × ${pages} pages of ${PAGE_SIZE} (GET /Users?startIndex=…&count=${PAGE_SIZE})`);
}

/** Okta's membership pushes: one `add members` PATCH per user, into groups of 100. */
export async function groupMembershipPhase(w: ScimWorkload, s: PhaseSettings, users: BenchUser[]): Promise<PhaseReport> {
  const groupCount = Math.max(1, Math.ceil(users.length / MEMBERS_PER_GROUP));
  const groupIds: string[] = [];
  for (let g = 0; g < groupCount; g++) groupIds.push(await w.createGroup(`bench-group-${g}-${w.runId}`));
  const result = await load(s, users.length, (i) => w.addMember(groupIds[i % groupCount]!, users[i]!));
  return phaseReport('group-add', result, `PATCH /Groups/{id} add members, ${groupCount} groups`);
}

/**
 * The worst PATCH within the limits (bench/workload.ts `worstPatch`), one per fresh user, while
 * other writes of the same tenant (reactivations) keep coming: how long the big PATCH holds the
 * tenant's single writer, and what that does to the writes queued beside it.
 */
export async function worstPatchPhase(w: ScimWorkload, s: PhaseSettings, users: BenchUser[], rounds: number): Promise<PhaseReport[]> {
  const targets: BenchUser[] = [];
  for (let i = 0; i < rounds; i++) await w.create(s.users + 1_000_000 + i, (u) => targets.push(u));
  let done = false;
  const beside: Sample[] = [];
  const started = performance.now();
  const background = (async () => {
    for (let i = 0; !done; i++) beside.push(await w.reactivate(users[i % users.length]!));
  })();
  const big = await runLoad({ count: targets.length, concurrency: 1, timeLimitMs: s.phaseTimeLimitMs, run: (i) => w.worstPatch(targets[i]!) });
  done = true;
  await background;
  const besideResult: LoadResult = {
    latencies: Float64Array.from(beside.map((b) => b.ms)),
    completed: beside.length,
    errors: beside.filter((b) => !b.ok).length,
    wallMs: performance.now() - started,
    truncated: false,
    firstErrors: beside.filter((b) => !b.ok).slice(0, 5).map((b) => b.error ?? 'error'),
  };
  return [
    phaseReport('patch-worst', big, 'PATCH /Users/{id}: add 9,000 emails + 999 single adds (~0.4 MiB), one at a time'),
    phaseReport('beside-patch', besideResult, 'PATCH /Users/{id} active=true of other users of the tenant, during patch-worst (one at a time)'),
  ];
}

/** Rounds of 16 simultaneous POSTs of one userName (case varied): exactly one 201, the rest 409. */
export async function racePhase(w: ScimWorkload, s: PhaseSettings): Promise<PhaseReport> {
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let badRounds = 0;
  const started = performance.now();
  let round = 0;
  for (; round < s.raceRounds && performance.now() - started < s.phaseTimeLimitMs; round++) {
    const userName = `race${round}.${w.runId}@bench.example`;
    const outcomes = await Promise.all(
      Array.from({ length: RACE_CONTENDERS }, (_, i) => w.contend(i % 2 ? userName.toUpperCase() : userName).catch((err: unknown) => ({ status: 0, ms: 0, err }))),
    );
    for (const o of outcomes) latencies.push(o.ms);
    const created = outcomes.filter((o) => o.status === 201).length;
    const conflicts = outcomes.filter((o) => o.status === 409).length;
    if (created !== 1 || conflicts !== RACE_CONTENDERS - 1) {
      badRounds++;
      if (firstErrors.length < 5) firstErrors.push(`round ${round}: statuses ${outcomes.map((o) => o.status).join(',')}`);
    }
  }
  const result: LoadResult = { latencies: Float64Array.from(latencies), completed: latencies.length, errors: badRounds, wallMs: performance.now() - started, truncated: round < s.raceRounds, firstErrors };
  return phaseReport('race', result, `${round} rounds × ${RACE_CONTENDERS} POSTs of one userName; errors = rounds without exactly one 201`);
}

/** 0…n-1 in a random order. */
export function shuffled(n: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
