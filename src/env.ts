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
  /** The queue of webhook delivery kicks (src/webhooks/kicks.ts): produced after changes, consumed by this Worker. */
  WEBHOOK_KICKS: Queue<{ tenantId: string; endpointId?: string }>;
  /** Days of directory events kept (default 30, at least 30 outside LOCAL_DEV). */
  EVENT_RETENTION_DAYS?: string;
  /** Days of audit rows kept (default 90, at least 7 outside LOCAL_DEV). */
  AUDIT_RETENTION_DAYS?: string;
  /** Where tenant objects are created (`weur`, `enam`, … as the D1 database's `--location`), so their D1 calls stay in-region; unset: near the first caller. */
  TENANT_LOCATION_HINT?: string;
  /** Webhook retry schedule and limits in seconds (src/config.ts has the defaults). */
  WEBHOOK_RETRY_BASE_SECONDS?: string;
  WEBHOOK_RETRY_MAX_SECONDS?: string;
  WEBHOOK_DISABLE_AFTER_SECONDS?: string;
  WEBHOOK_TIMEOUT_SECONDS?: string;
  /** `aud` of session tokens (default: the Worker's origin) and their lifetime in seconds (default 300, at most 3600). */
  SESSION_TOKEN_AUDIENCE?: string;
  SESSION_TOKEN_TTL_SECONDS?: string;
  /** Comma-separated URIs `/auth/token/redirect` may hand a session token to (a SPA's page, a native app's `com.acme.app:/signed-in`); none by default. */
  SESSION_TOKEN_REDIRECT_URIS?: string;
  /** The DNS-over-HTTPS resolver that checks domain TXT records (default Cloudflare's, https only outside LOCAL_DEV). */
  DOH_URL?: string;
}
