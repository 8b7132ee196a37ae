/** What every bench entry point starts with: a build, the Worker served, a tenant with a token. */
import { database } from '../src/db/client.ts';
import { createScimToken, createTenant, setScimEnabled } from '../src/tenants/tenant-store.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../test/support/local-worker.ts';
import { HttpClient } from './http.ts';
import { RACE_CONTENDERS } from './phases.ts';
import { ScimWorkload } from './workload.ts';

/** A served Worker with one SCIM-enabled tenant, and a keep-alive client carrying its token. */
export interface BenchTarget {
  worker: LocalWorker;
  workload: ScimWorkload;
  close(): Promise<void>;
}

/** Builds and starts the Worker (state in a temp folder) and creates the `bench` tenant. */
export async function startBenchTarget(options: { concurrency: number; inspectorPort?: number }): Promise<BenchTarget> {
  const build = await buildWorker();
  const worker = await startLocalWorker({ build, ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }) });
  let client: HttpClient | undefined;
  try {
    const db = database(worker.db);
    const slug = 'bench';
    const tenant = await setScimEnabled(db, await createTenant(db, slug, 'Bench'), true);
    const { token } = await createScimToken(db, tenant, 'bench', undefined);
    client = new HttpClient(worker.url, Math.max(options.concurrency, RACE_CONTENDERS), { authorization: `Bearer ${token}` });
    const workload = new ScimWorkload(client, slug);
    return {
      worker,
      workload,
      close: async () => {
        client?.close();
        await worker.stop();
      },
    };
  } catch (err) {
    client?.close();
    await worker.stop();
    throw err;
  }
}
