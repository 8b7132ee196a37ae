/**
 * The webhook phase: the create phase again with a webhook endpoint of the bench tenant pointing
 * at a receiver on 127.0.0.1 (which verifies every signature, as a SaaS backend would), and the
 * deliveries it brings: events per second through the queue, and the lag from each event's commit
 * (its `occurredAt`, stamped as its batch is built) to its arrival at the receiver.
 */
import { database } from '../src/db/client.ts';
import { requireTenant } from '../src/tenants/tenant-store.ts';
import { addEndpoint } from '../src/webhooks/endpoint-store.ts';
import type { LocalWorker } from '../test/support/local-worker.ts';
import { startReceiver } from '../test/support/webhook-receiver.ts';
import { createPhase, type PhaseSettings } from './phases.ts';
import { percentile, type PhaseReport } from './report.ts';
import { BENCH_SLUG } from './setup.ts';
import type { BenchUser, ScimWorkload } from './workload.ts';

/** How long deliveries may trail the last create before the phase counts the rest as lost. */
const DRAIN_LIMIT_MS = 120_000;

const round = (n: number) => Math.round(n * 10) / 10;

/** `create+webhook` (the creates, with delivery running) and `webhook-delivery` (events/s as rps, lag in the latency columns). */
export async function webhookPhases(worker: LocalWorker, w: ScimWorkload, s: PhaseSettings, firstIndex: number): Promise<PhaseReport[]> {
  const db = database(worker.db);
  const receiver = await startReceiver('whsec_' + Buffer.alloc(32).toString('base64'));
  try {
    const { secret } = await addEndpoint(db, worker.secretsKey, await requireTenant(db, BENCH_SLUG), { url: receiver.url, events: 'user.created', localDev: true });
    receiver.secrets = [secret];
    const users: BenchUser[] = [];
    const started = Date.now();
    const creates = await createPhase(w, s, users, firstIndex);
    // The endpoint was added behind the Worker's back (as the CLI adds one): an isolate that saw
    // "no endpoints" within the last second sends no kick, and the minute sweep catches up. All the
    // creates of a fast run can fall in that second, so run the sweep once now, as its cron would.
    await worker.scheduled('* * * * *');
    const expected = creates.requests - creates.errors;
    const drained = await Promise.race([receiver.until((a) => a.length >= expected).then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), DRAIN_LIMIT_MS).unref())]);
    const delivered = receiver.accepted;
    const lags = Float64Array.from(delivered, (d) => d.receivedAt - Date.parse(String(d.body.occurredAt))).sort();
    const wallMs = (delivered.at(-1)?.receivedAt ?? Date.now()) - started;
    const delivery: PhaseReport = {
      phase: 'webhook-delivery',
      requests: delivered.length,
      errors: Math.max(0, expected - delivered.length) + receiver.rejected.length,
      rps: Math.round((delivered.length / wallMs) * 1000),
      p50: round(percentile(lags, 0.5)),
      p95: round(percentile(lags, 0.95)),
      p99: round(percentile(lags, 0.99)),
      max: round(lags.at(-1) ?? Number.NaN),
      wallMs,
      truncated: !drained,
      note: 'events/s through the queue; commit → receiver lag (ms)',
      ...(drained ? {} : { firstErrors: [`${expected - delivered.length} events not delivered within ${DRAIN_LIMIT_MS / 1000} s of the last create`] }),
    };
    return [{ ...creates, phase: 'create+webhook', note: "POST /Users (Okta's body), a webhook endpoint receiving" }, delivery];
  } finally {
    await receiver.close();
  }
}
