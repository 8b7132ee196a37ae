/** What session keys in KV share: secrets named only by their digest, and KV's shortest expiry. */
import { base64url } from 'jose';

/** KV refuses expirations sooner than this. */
const KV_MIN_TTL_SECONDS = 60;

/** `seconds` as an `expirationTtl` KV accepts (never below its minimum). */
export function kvExpirationTtl(seconds: number): number {
  return Math.max(KV_MIN_TTL_SECONDS, seconds);
}

/** `prefix` + base64url SHA-256 of `text`: a key that names a secret without holding it. */
export async function digestKey(prefix: string, text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return prefix + base64url.encode(new Uint8Array(digest));
}
