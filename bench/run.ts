/**
 * `npm run bench [-- --users N --concurrency C --smoke --json]`: builds the Worker, serves it in
 * workerd through Miniflare (state in a temp folder), creates a tenant and token, and measures an
 * Okta-shaped SCIM workload over keep-alive HTTP on 127.0.0.1 against the trivial route's ceiling.
 * With `--users` ≥ 10,000 it runs the scale mode instead (bench/scale.ts). See bench/README.md.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from '../scripts/lib/args.ts';
import {
  ceilingPhase,
  createPhase,
  deactivatePhase,
  groupMembershipPhase,
  importPhase,
  lookupPhase,
  racePhase,
  type PhaseSettings,
  worstPatchPhase,
} from './phases.ts';
import { childWorkerdPid, processMemory } from './process-memory.ts';
import { phaseRows, table, withCeiling, type PhaseReport } from './report.ts';
import { runScale, SCALE_MODE_USERS } from './scale.ts';
import { startBenchTarget } from './setup.ts';
import { webhookPhases } from './webhook-phase.ts';
import type { BenchUser } from './workload.ts';

const args = parseArgs(process.argv.slice(2), new Set(['smoke', 'json']));
const smoke = args.flags.smoke === true;
const jsonOnly = args.flags.json === true;

function intFlag(name: string, fallback: number): number {
  const raw = args.flags[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, not ${String(raw)}`);
  return value;
}

const settings: PhaseSettings = {
  users: intFlag('users', smoke ? 300 : 2_000),
  concurrency: intFlag('concurrency', 16),
  ceilingRequests: smoke ? 2_000 : 20_000,
  raceRounds: smoke ? 3 : 20,
  phaseTimeLimitMs: smoke ? 5_000 : 45_000,
};

const scaleMode = settings.users >= SCALE_MODE_USERS;
const say = (line: string) => {
  if (!jsonOnly) console.error(line);
};
const emit = (record: object) => console.log(JSON.stringify(record));

const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
say(`edge-identity bench: ${settings.users} users, concurrency ${settings.concurrency}${smoke ? ' (smoke)' : ''}; ${machine.nproc} × ${machine.cpu}`);

const target = await startBenchTarget({ concurrency: settings.concurrency });
const { build } = target.worker;
say(`bundle: ${(build.bytes / 1024).toFixed(1)} KiB, gzip ${(build.gzipBytes / 1024).toFixed(1)} KiB`);
try {
  const w = target.workload;
  const reports: PhaseReport[] = [];
  const phase = async (name: string, run: () => Promise<PhaseReport | undefined>) => {
    say(`… ${name}`);
    const report = await run();
    if (report) reports.push(report);
  };
  if (scaleMode) {
    await phase('ceiling', () => ceilingPhase(w, settings));
    const scale = await runScale(w, settings, say);
    for (const line of scale.records) emit(line);
    if (!jsonOnly) console.log(`\n${scale.text}\n`);
  } else {
    const users: BenchUser[] = [];
    await phase('ceiling', () => ceilingPhase(w, settings));
    await phase('create', () => createPhase(w, settings, users));
    await phase('lookup', () => lookupPhase(w, settings, users));
    await phase('deactivate', () => deactivatePhase(w, settings, users));
    await phase('import', () => importPhase(w, settings, users.length));
    await phase('group-add', async () => ((await w.hasGroups()) ? groupMembershipPhase(w, settings, users) : undefined));
    await phase('race', () => racePhase(w, settings));
    say('… patch-worst');
    reports.push(...(await worstPatchPhase(w, settings, users, smoke ? 2 : 10)));
    // Last, so no earlier phase runs with an endpoint: the create phase again, with deliveries.
    say('… create+webhook');
    reports.push(...(await webhookPhases(target.worker, w, settings, settings.users)));
  }

  const ceilingRps = reports.find((r) => r.phase === 'ceiling')?.rps ?? Number.NaN;
  const final = withCeiling(reports, ceilingRps);
  for (const r of final) emit({ type: 'phase', ...r });
  const workerdPid = childWorkerdPid();
  const summary = {
    type: 'summary',
    date: new Date().toISOString(),
    machine,
    users: settings.users,
    concurrency: settings.concurrency,
    bundle: { bytes: build.bytes, gzipBytes: build.gzipBytes },
    memory: { workerd: workerdPid ? processMemory(workerdPid) : null, node: processMemory(process.pid) },
    groupsMeasured: final.some((r) => r.phase === 'group-add'),
    errors: final.reduce((n, r) => n + r.errors, 0),
  };
  emit(summary);
  if (!jsonOnly) {
    console.log(`\n${table(phaseRows(final))}\n`);
    console.log(`bundle: ${(build.bytes / 1024).toFixed(1)} KiB, gzip ${(build.gzipBytes / 1024).toFixed(1)} KiB`);
    const mem = summary.memory;
    console.log(`memory: workerd RSS ${mem.workerd?.rssMiB ?? '?'} MiB (peak ${mem.workerd?.peakRssMiB ?? '?'}), node client RSS ${mem.node.rssMiB} MiB (peak ${mem.node.peakRssMiB})`);
    if (!scaleMode && !summary.groupsMeasured) console.log('group-add: skipped (this build has no /Groups endpoint)');
    for (const r of final.filter((r) => r.firstErrors)) console.log(`${r.phase} errors: ${r.firstErrors!.join(' | ')}`);
  }
  process.exitCode = summary.errors > 0 ? 1 : 0;
} finally {
  await target.close();
}
