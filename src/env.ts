/** The Worker's bindings and variables (wrangler.toml, `.dev.vars`, `wrangler secret put`). */
export interface Env {
  DB: D1Database;
  SESSIONS: KVNamespace;
  /** One tenant object per tenant, reached through the ports it implements (src/scim/port/tenant-writes.ts, src/oidc/login-attempts.ts). */
  TENANT: DurableObjectNamespace;
  /** base64 of 32 random bytes: AES-GCM key for client secrets and the login-state cookie. */
  SECRETS_KEY: string;
  /** "true" only for `npm start` and tests: allows http:// loopback issuers (cookies stay Secure: browsers accept them on loopback). */
  LOCAL_DEV?: string;
  /** Cloudflare rate limiting binding for sign-in starts per IP and tenant; absent = no limit. */
  SIGNIN_LIMITER?: RateLimit;
  /** Cloudflare rate limiting binding for SCIM requests per token; absent = no limit. */
  SCIM_LIMITER?: RateLimit;
}
