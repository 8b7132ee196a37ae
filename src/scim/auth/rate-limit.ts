/**
 * SCIM requests per token, with Cloudflare's rate limiting binding where bound. The binding is
 * asked once per REQUESTS_PER_CALL requests of a token (each call stands for that many), so the
 * limiter costs a tenth of a call per request; a token found over its limit is refused in this
 * isolate for the rest of the period without asking again. wrangler.toml's 100 calls per 10 s are
 * 1,000 requests per 10 s, counted in steps of REQUESTS_PER_CALL.
 */
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import { BoundedMap } from '../../common/bounded-map.ts';

/** The binding's period: how long a client that hit the limit waits at most. */
export const SCIM_LIMIT_PERIOD_SECONDS = 10;
/** Requests of one token that one call of the binding counts for. */
export const REQUESTS_PER_CALL = 10;

interface TokenCount {
  requests: number;
  /** Epoch ms until which the token is refused here. */
  refusedUntil: number;
}

const counts = new BoundedMap<string, TokenCount>(10_000);

function tooMany(): ScimError {
  return new ScimError(429, undefined, `Too many requests with this SCIM token; retry after ${SCIM_LIMIT_PERIOD_SECONDS} seconds.`, { 'retry-after': String(SCIM_LIMIT_PERIOD_SECONDS) });
}

/** Throws SCIM's 429 with Retry-After when token `tokenId` has sent too many requests this period. */
export async function limitScimRequests(env: Env, tokenId: string, nowMs = Date.now()): Promise<void> {
  if (!env.SCIM_LIMITER) return;
  let count = counts.get(tokenId);
  if (!count) counts.set(tokenId, (count = { requests: 0, refusedUntil: 0 }));
  if (count.refusedUntil > nowMs) throw tooMany();
  if (++count.requests % REQUESTS_PER_CALL !== 0) return;
  const { success } = await env.SCIM_LIMITER.limit({ key: `token:${tokenId}` });
  if (!success) {
    count.refusedUntil = nowMs + SCIM_LIMIT_PERIOD_SECONDS * 1000;
    throw tooMany();
  }
}
