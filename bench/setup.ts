/** What every bench entry point starts with: a build, the Worker served, a tenant with a token. */
import { database } from '../src/db/client.ts';
import { createScimToken, createTenant, enableScim } from '../src/tenants/tenant-store.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../test/support/local-worker.ts';
import { HttpClient } from './http.ts';
import { RACE_CONTENDERS } from './phases.ts';
import { ScimWorkload } from './workload.ts';

/** The tenant every bench serves. */
export const BENCH_SLUG = 'bench';

/**
 * The built Worker served (state in a temp folder) with the SCIM-enabled `bench` tenant and a token
 * of it; `stop()` stops the Worker and removes its state and its build.
 */
export async function serveBenchTenant(options: { inspectorPort?: number } = {}): Promise<{ worker: LocalWorker; token: string; stop(): Promise<void> }> {
  const build = await buildWorker();
  const worker = await startLocalWorker({ build, ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }) }).catch((err: unknown) => {
    build.remove();
    throw err;
  });
  const stop = async () => {
    await worker.stop();
    build.remove();
  };
  try {
    const db = database(worker.db);
    const tenant = await enableScim(db, await createTenant(db, BENCH_SLUG, { name: 'Bench' }));
    const { token } = await createScimToken(db, tenant, 'bench', undefined);
    return { worker, token, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A served Worker with one SCIM-enabled tenant, and a keep-alive client carrying its token. */
export interface BenchTarget {
  worker: LocalWorker;
  workload: ScimWorkload;
  close(): Promise<void>;
}

/** `serveBenchTenant` with a client for the workload. */
export async function startBenchTarget(options: { concurrency: number; inspectorPort?: number }): Promise<BenchTarget> {
  const { worker, token, stop } = await serveBenchTenant(options);
  const client = new HttpClient(worker.url, Math.max(options.concurrency, RACE_CONTENDERS), { authorization: `Bearer ${token}` });
  return {
    worker,
    workload: new ScimWorkload(client, BENCH_SLUG),
    close: async () => {
      client.close();
      await stop();
    },
  };
}
