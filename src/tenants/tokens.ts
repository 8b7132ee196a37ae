/**
 * Bearer secrets (SCIM tokens, setup-link keys), shared by the Worker (verification) and the CLI
 * (issuing): 256 random bits behind a prefix secret scanners can match, stored only as a SHA-256 hash.
 */
export const SCIM_TOKEN_PREFIX = 'eid_scim_';
const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh secret: `prefix` + base64url of 32 random bytes (256 bits). Shown once, never stored. */
export function generatePrefixedSecret(prefix: string): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Whether `secret` has the shape generatePrefixedSecret(prefix) gives (cheap pre-check before hashing and a lookup). */
export function hasPrefixedSecretShape(prefix: string, secret: string): boolean {
  return secret.startsWith(prefix) && TOKEN_BODY.test(secret.slice(prefix.length));
}

/** A fresh token: `eid_scim_` + base64url of 32 random bytes. Shown once, never stored. */
export function generateScimToken(): string {
  return generatePrefixedSecret(SCIM_TOKEN_PREFIX);
}

/** Whether `token` has the shape of one of ours (cheap pre-check before hashing and a lookup). */
export function looksLikeScimToken(token: string): boolean {
  return hasPrefixedSecretShape(SCIM_TOKEN_PREFIX, token);
}

/** Each byte's two hex digits: hashing runs on every SCIM request, and this is a third of its cost otherwise. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex SHA-256 of the token: what D1 stores and looks up. */
export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let hex = '';
  for (const byte of digest) hex += HEX_BYTES[byte];
  return hex;
}

/** Compares two equal-length strings without an early exit, so timing reveals nothing of either. */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Seconds in a duration like `90d`, `12h`, `30m`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 ? seconds : undefined;
}
