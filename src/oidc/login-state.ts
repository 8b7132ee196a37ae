/**
 * The state of one sign-in attempt between `/auth/{tenant}/login` and `/auth/callback`.
 *
 * Where it lives, and why: state, nonce and PKCE verifier travel in a sealed (AES-GCM under
 * SECRETS_KEY), short-lived `__Host-` cookie, named after the attempt's state so parallel sign-ins
 * in two tabs do not overwrite each other. The cookie binds the attempt to the browser that started
 * it (login CSRF) and needs no storage round trip; KV is never used because it is eventually
 * consistent. A cookie alone cannot be made single-use, so the callback also consumes the attempt
 * id in the tenant's Durable Object (strongly consistent, one per tenant): a replayed callback —
 * same cookie, same code — is refused there before the code is ever sent to the provider.
 */
import { open, seal } from '../common/secret-box.ts';

/** At most this long between leaving for the provider and coming back (issue: ≤ 10 min). */
export const LOGIN_TTL_SECONDS = 600;

/** Cookie-name stem (without `__Host-`); the attempt's first state characters follow it. */
export const LOGIN_COOKIE_STEM = 'eid_login_';
/** Sign-in attempts one browser keeps at once (tabs); starting another drops the oldest, so cookies cannot pile up. */
export const MAX_LIVE_ATTEMPTS = 5;
const STATE_CHARS_IN_NAME = 16;

/** What the callback needs to finish the attempt. */
export interface LoginAttempt {
  /** Consumed once in the tenant object; unrelated to `state` so the state never reaches storage. */
  attemptId: string;
  tenantId: string;
  /** The issuer the attempt went to: a connection changed mid-flight invalidates it. */
  issuer: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Same-origin path to land on. */
  returnTo: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The login cookie's name (without the `__Host-` prefix) for `state`. */
export function loginCookieName(state: string): string {
  return LOGIN_COOKIE_STEM + state.slice(0, STATE_CHARS_IN_NAME).replace(/[^A-Za-z0-9_-]/g, '');
}

/** The sealed cookie value for `attempt`. */
export function sealLoginAttempt(secretsKey: string, attempt: LoginAttempt): Promise<string> {
  return seal(secretsKey, 'login-state', JSON.stringify(attempt), loginCookieName(attempt.state));
}

/**
 * The attempt sealed in `cookieValue` if it opens, carries exactly `state` and has not expired;
 * undefined otherwise.
 */
export async function openLoginAttempt(secretsKey: string, state: string, cookieValue: string, nowMs = Date.now()): Promise<LoginAttempt | undefined> {
  const json = await open(secretsKey, 'login-state', cookieValue, loginCookieName(state));
  if (json === undefined) return undefined;
  const attempt = JSON.parse(json) as LoginAttempt;
  // The value authenticated, so it is ours; state must still match in full, not just its prefix.
  if (attempt.state !== state || attempt.expiresAt <= nowMs) return undefined;
  return attempt;
}

/**
 * Which of a browser's attempt cookies to drop before it starts one more: the oldest (and any that
 * do not open), so it keeps at most MAX_LIVE_ATTEMPTS - 1 besides the new one.
 */
export async function staleAttemptCookies(secretsKey: string, cookies: { name: string; value: string }[]): Promise<string[]> {
  if (cookies.length < MAX_LIVE_ATTEMPTS) return [];
  const aged = await Promise.all(
    cookies.map(async ({ name, value }) => {
      const json = await open(secretsKey, 'login-state', value, name);
      return { name, expiresAt: json === undefined ? 0 : (JSON.parse(json) as LoginAttempt).expiresAt };
    }),
  );
  aged.sort((a, b) => a.expiresAt - b.expiresAt);
  return aged.slice(0, cookies.length - (MAX_LIVE_ATTEMPTS - 1)).map((c) => c.name);
}
