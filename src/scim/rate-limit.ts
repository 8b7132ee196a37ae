/** SCIM requests per token, with Cloudflare's rate limiting binding where bound (wrangler.toml: 1,000 per 10 s). */
import type { Env } from '../env.ts';
import { ScimError } from '../http/errors.ts';

/** The binding's period: how long a client that hit the limit waits at most. */
export const SCIM_LIMIT_PERIOD_SECONDS = 10;

/** Throws SCIM's 429 with Retry-After when token `tokenId` has sent too many requests this period. */
export async function limitScimRequests(env: Env, tokenId: string): Promise<void> {
  if (!env.SCIM_LIMITER) return;
  const { success } = await env.SCIM_LIMITER.limit({ key: `token:${tokenId}` });
  if (!success) {
    throw new ScimError(429, undefined, `Too many requests with this SCIM token; retry after ${SCIM_LIMIT_PERIOD_SECONDS} seconds.`, { 'retry-after': String(SCIM_LIMIT_PERIOD_SECONDS) });
  }
}
