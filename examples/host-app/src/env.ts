/** The host app's bindings (wrangler.toml). */
import type { IdentityApi } from '../../../src/binding/identity-api.ts';

export interface Env {
  /** Edge Identity's `IdentityApi` entrypoint, bound as a service. */
  IDENTITY: Service<IdentityApi>;
  IDENTITY_ORIGIN: string;
  /** `aud` the tokens carry when Edge Identity sets SESSION_TOKEN_AUDIENCE; else its origin. */
  TOKEN_AUDIENCE?: string;
  SYNC_TENANTS: string;
  /** The app's own state: each tenant's feed cursor and its copy of the directory. */
  APP_STATE: KVNamespace;
}
