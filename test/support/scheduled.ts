/** Runs the Worker's scheduled handler for `cron` (wrangler.toml's triggers) to its end, as the runtime would. */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import type { Env } from '../../src/env.ts';
import worker from '../../src/index.ts';

/** The hourly prune trigger of wrangler.toml. */
export const HOURLY_PRUNE = '41 * * * *';
/** The minute trigger: webhook sweeps and unfinished tenant deletions. */
export const EVERY_MINUTE = '* * * * *';

export async function runScheduled(cron: string): Promise<void> {
  const ctx = createExecutionContext();
  // The Worker sees its tenant objects through their ports only (test/env.d.ts): the same binding, typed as it is there.
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env as unknown as Env, ctx);
  await waitOnExecutionContext(ctx);
}
