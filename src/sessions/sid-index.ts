/**
 * Sessions by the provider's session id (the ID token's `sid`, OpenID Connect Front-Channel Logout
 * 1.0 §3), so a logout the provider announces finds them without our cookie, which a cross-site
 * iframe does not send. KV key `sid:<tenantId>:<base64url(SHA-256(issuer + " " + sid))>` holds a
 * JSON list of the sessions' KV keys, each with its absolute expiry; the entry lives as long as
 * its longest session.
 *
 * KV is eventually consistent (another location may see a write up to ~60 s late) and this
 * read-modify-write is not atomic, so a logout may rarely miss a session signed in moments
 * before. That is acceptable for logout fan-out, which is best effort by design (the provider
 * neither retries nor learns the outcome); each session's own timeouts still bound it.
 */
import { digestKey, kvExpirationTtl } from './kv-keys.ts';

const KEY_PREFIX = 'sid:';

/** Which provider session: the tenant, its issuer at sign-in, and the ID token's `sid`. */
export interface ProviderSession {
  tenantId: string;
  issuer: string;
  sid: string;
}

interface Entry {
  /** The session's KV key (a hash: the index holds no usable session id). */
  key: string;
  /** Epoch ms of the session's absolute expiry. */
  until: number;
}

function indexKey(at: ProviderSession): Promise<string> {
  // The space cannot occur in an issuer URL, so distinct (issuer, sid) pairs never share a digest input.
  return digestKey(`${KEY_PREFIX}${at.tenantId}:`, `${at.issuer} ${at.sid}`);
}

async function read(kv: KVNamespace, key: string): Promise<Entry[]> {
  return (await kv.get<Entry[]>(key, 'json')) ?? [];
}

/** Writes the live entries back (or deletes the key when none is left), kept until the last one ends. */
async function write(kv: KVNamespace, key: string, entries: Entry[], nowMs: number): Promise<void> {
  const live = entries.filter((e) => e.until > nowMs);
  if (live.length === 0) return kv.delete(key);
  const ttl = Math.ceil((Math.max(...live.map((e) => e.until)) - nowMs) / 1000);
  await kv.put(key, JSON.stringify(live), { expirationTtl: kvExpirationTtl(ttl) });
}

/** Records that the session stored under `sessionKey` belongs to provider session `at`. */
export async function indexSession(kv: KVNamespace, at: ProviderSession, sessionKey: string, until: number, nowMs: number): Promise<void> {
  const key = await indexKey(at);
  const entries = (await read(kv, key)).filter((e) => e.key !== sessionKey);
  await write(kv, key, [...entries, { key: sessionKey, until }], nowMs);
}

/** Forgets the session stored under `sessionKey` (it ended here first). */
export async function unindexSession(kv: KVNamespace, at: ProviderSession, sessionKey: string, nowMs: number): Promise<void> {
  const key = await indexKey(at);
  const entries = await read(kv, key);
  if (entries.some((e) => e.key === sessionKey)) await write(kv, key, entries.filter((e) => e.key !== sessionKey), nowMs);
}

/** The KV keys of the sessions recorded under `at`, removing the entry; some may already be gone. */
export async function takeIndexedSessions(kv: KVNamespace, at: ProviderSession): Promise<string[]> {
  const key = await indexKey(at);
  const entries = await read(kv, key);
  if (entries.length) await kv.delete(key);
  return entries.map((e) => e.key);
}
