import type { D1Migration } from '@cloudflare/vitest-plugin';
import type { Env as WorkerEnv } from '../src/env.ts';
import type { TenantObject } from '../src/tenant-object/tenant-object.ts';
import type { IdentityApi } from '../src/binding/identity-api.ts';

declare global {
  namespace Cloudflare {
    // Tests reach into the tenant object itself (runInDurableObject), so they see its class; the Worker sees only its ports.
    interface Env extends Omit<WorkerEnv, 'TENANT'> {
      TENANT: DurableObjectNamespace<TenantObject>;
      TEST_MIGRATIONS: D1Migration[];
      IDENTITY: Service<IdentityApi>;
    }
  }
}
