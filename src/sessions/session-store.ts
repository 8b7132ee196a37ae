/**
 * Sign-in sessions in KV. The browser holds a 256-bit random id; KV is keyed by its SHA-256, so a
 * dump of the namespace holds no usable session. Each session has an idle and an absolute timeout
 * (the tenant's), checked on every read because KV reads may be up to a minute stale. The record is
 * written once, at sign-in, and lives in KV until its absolute timeout; use is noted under a second
 * key (`session-seen:`, expiring with the idle timeout). So a use never rewrites the record: one
 * served from a stale read elsewhere cannot bring back a session that was deleted meanwhile.
 * A session whose ID token had a `sid` is also indexed by it (sid-index.ts), for logout by the provider.
 */
import { base64url } from 'jose';
import { digestKey, kvExpirationTtl } from './kv-keys.ts';
import { indexSession, takeIndexedSessions, unindexSession, type ProviderSession } from './sid-index.ts';

const KEY_PREFIX = 'session:';
const SEEN_PREFIX = 'session-seen:';
/** Don't rewrite a session on every read (KV takes ~1 write/s per key): refresh idle time at most this often. */
const MAX_TOUCH_INTERVAL_MS = 5 * 60_000;

/** What a session remembers; who the user is *now* is read from D1 on every use. */
export interface SessionRecord {
  tenantId: string;
  userId: string;
  /** The provider's subject and issuer at sign-in. */
  sub: string;
  issuer: string;
  /** The ID token's groups after the tenant's filter: they keep granting mapped roles during the session. */
  claimGroups: string[];
  /** The ID token, sealed under SECRETS_KEY (src/oidc/id-token-hint.ts), for RP-initiated logout's `id_token_hint`: KV never holds a usable one. */
  idTokenSealed: string | undefined;
  /** The ID token's `sid` (Front-Channel Logout 1.0 §3), when the provider sent one: it can end the session. */
  sid?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  lastSeenAt: number;
  idleSeconds: number;
  absoluteExpiresAt: number;
}

/** A fresh opaque session id: base64url of 32 random bytes. */
function newSessionId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

function kvKey(sessionId: string): Promise<string> {
  return digestKey(KEY_PREFIX, sessionId);
}

/** The key noting a session's last use, beside its record's key. */
function seenKey(recordKey: string): string {
  return SEEN_PREFIX + recordKey.slice(KEY_PREFIX.length);
}

/** Epoch ms at which `record` ends unless used again. */
export function sessionExpiresAt(record: SessionRecord): number {
  return Math.min(record.lastSeenAt + record.idleSeconds * 1000, record.absoluteExpiresAt);
}

/** Seconds from `nowMs` to epoch ms `at`, as a KV expiry. */
const ttlUntil = (at: number, nowMs: number) => kvExpirationTtl(Math.ceil((at - nowMs) / 1000));

/** Starts a session under a new id (never one the browser brought: no fixation) and returns the id. */
export async function createSession(
  kv: KVNamespace,
  fields: Omit<SessionRecord, 'createdAt' | 'lastSeenAt' | 'idleSeconds' | 'absoluteExpiresAt'>,
  timeouts: { idleSeconds: number; absoluteSeconds: number },
  nowMs = Date.now(),
): Promise<{ sessionId: string; record: SessionRecord }> {
  const sessionId = newSessionId();
  const record: SessionRecord = { ...fields, createdAt: nowMs, lastSeenAt: nowMs, idleSeconds: timeouts.idleSeconds, absoluteExpiresAt: nowMs + timeouts.absoluteSeconds * 1000 };
  const key = await kvKey(sessionId);
  await kv.put(key, JSON.stringify(record), { expirationTtl: ttlUntil(record.absoluteExpiresAt, nowMs) });
  const at = providerSession(record);
  if (at) await indexSession(kv, at, key, record.absoluteExpiresAt, nowMs);
  return { sessionId, record };
}

function providerSession(record: SessionRecord): ProviderSession | undefined {
  return record.sid === undefined ? undefined : { tenantId: record.tenantId, issuer: record.issuer, sid: record.sid };
}

/**
 * The live session for `sessionId`, its idle time extended (written back at most every few
 * minutes); undefined when unknown or past either timeout (an expired one is deleted).
 */
export async function useSession(kv: KVNamespace, sessionId: string, nowMs = Date.now()): Promise<SessionRecord | undefined> {
  const key = await kvKey(sessionId);
  const [stored, seen] = await Promise.all([kv.get<SessionRecord>(key, 'json'), kv.get(seenKey(key))]);
  if (!stored) return undefined;
  const record = { ...stored, lastSeenAt: Math.max(stored.lastSeenAt, Number(seen ?? 0)) };
  if (sessionExpiresAt(record) <= nowMs) {
    await Promise.all([kv.delete(key), kv.delete(seenKey(key))]);
    return undefined;
  }
  const touchInterval = Math.min(MAX_TOUCH_INTERVAL_MS, (record.idleSeconds * 1000) / 10);
  if (nowMs - record.lastSeenAt < touchInterval) return record;
  const touched = { ...record, lastSeenAt: nowMs };
  await kv.put(seenKey(key), String(nowMs), { expirationTtl: ttlUntil(sessionExpiresAt(touched), nowMs) });
  return touched;
}

/** Ends the session (and drops it from the sid index); returns what it was, for logout's id_token_hint. */
export async function deleteSession(kv: KVNamespace, sessionId: string, nowMs = Date.now()): Promise<SessionRecord | undefined> {
  const key = await kvKey(sessionId);
  const record = (await kv.get<SessionRecord>(key, 'json')) ?? undefined;
  await Promise.all([kv.delete(key), kv.delete(seenKey(key))]);
  const at = record && providerSession(record);
  if (at) await unindexSession(kv, at, key, nowMs);
  return record;
}

/** Ends every session signed in under provider session `at` (Front-Channel Logout 1.0 §2); returns the ones that were still live. */
export async function deleteProviderSessions(kv: KVNamespace, at: ProviderSession, nowMs = Date.now()): Promise<SessionRecord[]> {
  const keys = await takeIndexedSessions(kv, at);
  const records = await Promise.all(
    keys.map(async (key) => {
      const record = await kv.get<SessionRecord>(key, 'json');
      if (record) await Promise.all([kv.delete(key), kv.delete(seenKey(key))]);
      return record;
    }),
  );
  return records.filter((r): r is SessionRecord => r !== null && sessionExpiresAt(r) > nowMs);
}
