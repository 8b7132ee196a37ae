/** Rate limiting of sign-in starts per client IP and tenant, with Cloudflare's rate limiting binding where bound. */
import type { Env } from '../env.ts';
import { PageError } from '../http/errors.ts';

/** Throws a 429 page when `ip` has started too many sign-ins for `tenantKey` (tenant id, or the email domain). */
export async function limitSignInStarts(env: Env, tenantKey: string, ip: string | undefined): Promise<void> {
  if (!env.SIGNIN_LIMITER) return;
  const { success } = await env.SIGNIN_LIMITER.limit({ key: `${tenantKey}|${ip ?? 'unknown'}` });
  if (!success) throw new PageError(429, 'Too many sign-in attempts. Please wait a minute and try again.', `sign-in rate limit hit for ${tenantKey} from ${ip ?? 'unknown'}`);
}
