/**
 * The Worker's configuration, parsed and checked once per isolate from its variables, with a
 * precise error when one is wrong. Flows take this, not the raw variables.
 */
import { checkSecretsKey } from './common/secret-box.ts';
import type { Env } from './env.ts';

/** Cloudflare's Durable Object location hints, the same names `wrangler d1 create --location` takes. */
const LOCATION_HINTS = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const satisfies readonly DurableObjectLocationHint[];

/** Public DNS-over-HTTPS resolver (JSON API) that `domains verify` asks unless told otherwise. */
export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query';

/** How webhook deliveries retry (src/webhooks/delivery.ts); production defaults, shorter in tests. */
export interface WebhookSettings {
  /** The first retry's delay; each further one doubles it, up to `retryMaxSeconds`. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** An endpoint failing without a success for this long is disabled (at least 24 h in production). */
  disableAfterSeconds: number;
  /** How long one delivery may take before it counts as failed. */
  timeoutSeconds: number;
}

/** The longest a session token may live: a retired signing key stays published this long. */
export const MAX_SESSION_TOKEN_SECONDS = 3600;

/** Session tokens for other origins (src/sessions/session-token.ts). */
export interface SessionTokenSettings {
  /** `aud` of every token (`SESSION_TOKEN_AUDIENCE`); absent: the Worker's own origin. */
  audience: string | undefined;
  /** Lifetime (`SESSION_TOKEN_TTL_SECONDS`): 300 by default, at most MAX_SESSION_TOKEN_SECONDS. */
  ttlSeconds: number;
  /** Where `/auth/token/redirect` may hand a token (`SESSION_TOKEN_REDIRECT_URIS`), compared exactly. */
  redirectUris: string[];
}

export interface Config {
  /** SECRETS_KEY, checked to be base64 of 32 bytes. */
  secretsKey: string;
  /** `LOCAL_DEV=true` (`npm start` and tests only): http:// loopback issuers and webhook receivers allowed. */
  localDev: boolean;
  /** Days of directory events kept (`EVENT_RETENTION_DAYS`, at least 30 unless LOCAL_DEV). */
  eventRetentionDays: number;
  /** Days of audit rows kept (`AUDIT_RETENTION_DAYS`, default 90, at least 7 unless LOCAL_DEV). */
  auditRetentionDays: number;
  webhooks: WebhookSettings;
  sessionTokens: SessionTokenSettings;
  /** Where new tenant objects are placed (`TENANT_LOCATION_HINT`), or undefined: near the first caller. */
  tenantLocationHint: (typeof LOCATION_HINTS)[number] | undefined;
  /** Where `domains verify` asks for TXT records (RFC 8484 JSON). */
  dohUrl: string;
}

type ConfigVariables = Pick<
  Env,
  | 'SECRETS_KEY'
  | 'LOCAL_DEV'
  | 'EVENT_RETENTION_DAYS'
  | 'AUDIT_RETENTION_DAYS'
  | 'WEBHOOK_RETRY_BASE_SECONDS'
  | 'WEBHOOK_RETRY_MAX_SECONDS'
  | 'WEBHOOK_DISABLE_AFTER_SECONDS'
  | 'WEBHOOK_TIMEOUT_SECONDS'
  | 'SESSION_TOKEN_AUDIENCE'
  | 'SESSION_TOKEN_TTL_SECONDS'
  | 'SESSION_TOKEN_REDIRECT_URIS'
  | 'DOH_URL'
  | 'TENANT_LOCATION_HINT'
>;

/** A positive whole number variable, its default when unset, at least `min` outside local development. */
function wholeNumber(name: keyof ConfigVariables, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min) throw new Error(`${name} must be at least ${min} outside local development, got ${n}`);
  return n;
}

function tokenSeconds(value: string | undefined): number {
  const seconds = wholeNumber('SESSION_TOKEN_TTL_SECONDS', value, 300, 1);
  if (seconds > MAX_SESSION_TOKEN_SECONDS) throw new Error(`SESSION_TOKEN_TTL_SECONDS must be at most ${MAX_SESSION_TOKEN_SECONDS}, got ${seconds}`);
  return seconds;
}

/**
 * SESSION_TOKEN_REDIRECT_URIS, each checked: an https URL, a native app's private-use scheme
 * (reverse domain, `com.acme.app:/signed-in`, RFC 8252 §7.1), or http on loopback in local
 * development; never a fragment (the token goes there) or credentials.
 */
function tokenRedirectUris(value: string | undefined, localDev: boolean): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((raw) => {
    const uri = raw.trim();
    const url = URL.canParse(uri) ? new URL(uri) : undefined;
    const scheme = url?.protocol.slice(0, -1) ?? '';
    const loopback = url?.hostname === '127.0.0.1' || url?.hostname === 'localhost';
    const allowed = url && !url.hash && !url.username && !url.password && (scheme === 'https' || (scheme.includes('.') && !url.host) || (localDev && scheme === 'http' && loopback));
    if (!allowed) throw new Error(`SESSION_TOKEN_REDIRECT_URIS: "${uri}" must be https://…, a native app's reverse-domain scheme (com.acme.app:/path) or, with LOCAL_DEV, http on loopback; without a fragment`);
    return uri;
  });
}

/** DOH_URL, or Cloudflare's resolver: https, or http on loopback in local development. */
function dohUrl(value: string | undefined, localDev: boolean): string {
  if (value === undefined || value === '') return DEFAULT_DOH_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`DOH_URL must be a URL, got ${JSON.stringify(value)}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(localDev && url.protocol === 'http:' && loopback)) throw new Error(`DOH_URL must be https:// (http:// only on loopback with LOCAL_DEV), got ${value}`);
  return url.href;
}

/** TENANT_LOCATION_HINT: one of Cloudflare's location hints, or unset. */
function locationHint(value: string | undefined): Config['tenantLocationHint'] {
  if (value === undefined || value === '') return undefined;
  const hint = LOCATION_HINTS.find((h) => h === value);
  if (!hint) throw new Error(`TENANT_LOCATION_HINT must be one of ${LOCATION_HINTS.join(', ')} (as the D1 database's --location), got ${JSON.stringify(value)}`);
  return hint;
}

const parsed = new WeakMap<object, Config>();

/** `env`'s configuration; the first call of an isolate checks it, later ones reuse it. */
export function configOf(env: ConfigVariables): Config {
  let config = parsed.get(env);
  if (!config) {
    checkSecretsKey(env.SECRETS_KEY);
    if (env.LOCAL_DEV !== undefined && env.LOCAL_DEV !== 'true' && env.LOCAL_DEV !== 'false') throw new Error(`LOCAL_DEV must be "true" or "false", got ${JSON.stringify(env.LOCAL_DEV)}`);
    const localDev = env.LOCAL_DEV === 'true';
    // Production keeps a month of events and retries a failing receiver for three days; local development may shorten both.
    const floor = (production: number) => (localDev ? 1 : production);
    config = {
      secretsKey: env.SECRETS_KEY,
      localDev,
      eventRetentionDays: wholeNumber('EVENT_RETENTION_DAYS', env.EVENT_RETENTION_DAYS, 30, floor(30)),
      auditRetentionDays: wholeNumber('AUDIT_RETENTION_DAYS', env.AUDIT_RETENTION_DAYS, 90, floor(7)),
      webhooks: {
        retryBaseSeconds: wholeNumber('WEBHOOK_RETRY_BASE_SECONDS', env.WEBHOOK_RETRY_BASE_SECONDS, 30, 1),
        retryMaxSeconds: wholeNumber('WEBHOOK_RETRY_MAX_SECONDS', env.WEBHOOK_RETRY_MAX_SECONDS, 3600, 1),
        disableAfterSeconds: wholeNumber('WEBHOOK_DISABLE_AFTER_SECONDS', env.WEBHOOK_DISABLE_AFTER_SECONDS, 3 * 24 * 3600, floor(24 * 3600)),
        timeoutSeconds: wholeNumber('WEBHOOK_TIMEOUT_SECONDS', env.WEBHOOK_TIMEOUT_SECONDS, 10, 1),
      },
      sessionTokens: { audience: env.SESSION_TOKEN_AUDIENCE || undefined, ttlSeconds: tokenSeconds(env.SESSION_TOKEN_TTL_SECONDS), redirectUris: tokenRedirectUris(env.SESSION_TOKEN_REDIRECT_URIS, localDev) },
      dohUrl: dohUrl(env.DOH_URL, localDev),
      tenantLocationHint: locationHint(env.TENANT_LOCATION_HINT),
    };
    parsed.set(env, config);
  }
  return config;
}
