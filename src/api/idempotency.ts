/**
 * `Idempotency-Key` for the management API's creates (the IETF httpapi draft's header): a client
 * that retries a create after losing the answer gets the first answer again, not a second tenant.
 * Keys are per API key and kept at least a day. The same key with another request is 422; while
 * the first request still runs, 409. A failed request leaves no record, so its retry runs afresh.
 */
import { and, eq, isNull, lt } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { idempotentRequests } from '../db/schema.ts';
import { ApiProblem } from '../http/errors.ts';
import { hashToken } from '../tenants/tokens.ts';
import type { ApiKeyInfo } from './api-keys.ts';

/** How long an answer is replayed; the hourly prune deletes older records. */
export const IDEMPOTENCY_KEEP_SECONDS = 24 * 3600;
/** A record still running after this long belongs to a request that died: a retry takes it over. */
const ABANDONED_AFTER_MS = 60_000;

export interface Answer {
  status: number;
  body: unknown;
}

/** The header's key: a token or a structured-field string (`"…"`), 1 to 255 visible ASCII characters. */
export function idempotencyKey(header: string): string {
  const trimmed = header.trim();
  const key = /^"[^"\\]*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiProblem(400, 'Idempotency-Key: 1 to 255 visible ASCII characters, like a UUID.');
  return key;
}

/** What tells two requests under one key apart: method, path and the validated body. */
export function requestFingerprint(method: string, pathname: string, body: unknown): Promise<string> {
  return hashToken(`${method} ${pathname}\n${JSON.stringify(body ?? null)}`);
}

/** Runs `answer` once per Idempotency-Key of `apiKey`; without the header, simply runs it. */
export async function idempotently(db: Database, apiKey: ApiKeyInfo, request: Request, body: unknown, answer: () => Promise<Answer>): Promise<Answer & { replayed: boolean }> {
  const header = request.headers.get('idempotency-key');
  if (header === null) return { ...(await answer()), replayed: false };
  const key = idempotencyKey(header);
  const fingerprint = await requestFingerprint(request.method, new URL(request.url).pathname, body);
  const record = and(eq(idempotentRequests.apiKeyId, apiKey.id), eq(idempotentRequests.key, key));

  const claimed = await db.insert(idempotentRequests).values({ apiKeyId: apiKey.id, key, fingerprint, status: null, response: null, createdAt: now() }).onConflictDoNothing().returning();
  if (claimed.length === 0) {
    const existing = await db.select().from(idempotentRequests).where(record).get();
    if (existing && existing.fingerprint !== fingerprint) throw new ApiProblem(422, 'This Idempotency-Key was used for a different request; use a new key for a new request.');
    if (existing && existing.status !== null) return { status: existing.status, body: existing.response, replayed: true };
    // Still running, unless the request that claimed it died: then this retry takes the key over.
    const cutoff = new Date(Date.now() - ABANDONED_AFTER_MS).toISOString();
    const takenOver = existing && (await db.update(idempotentRequests).set({ createdAt: now() }).where(and(record, isNull(idempotentRequests.status), lt(idempotentRequests.createdAt, cutoff))).returning());
    if (!takenOver || takenOver.length === 0) throw new ApiProblem(409, 'A request with this Idempotency-Key is still being processed; retry once it has finished.', { 'retry-after': '1' });
  }
  let result: Answer;
  try {
    result = await answer();
  } catch (err) {
    await db.delete(idempotentRequests).where(and(record, isNull(idempotentRequests.status)));
    throw err;
  }
  await db.update(idempotentRequests).set({ status: result.status, response: result.body }).where(record);
  return { ...result, replayed: false };
}

/** Deletes records past IDEMPOTENCY_KEEP_SECONDS; returns how many. */
export async function pruneIdempotentRequests(db: Database, at = Date.now()): Promise<number> {
  const cutoff = new Date(at - IDEMPOTENCY_KEEP_SECONDS * 1000).toISOString();
  const deleted = await db.delete(idempotentRequests).where(lt(idempotentRequests.createdAt, cutoff)).returning({ key: idempotentRequests.key });
  return deleted.length;
}
