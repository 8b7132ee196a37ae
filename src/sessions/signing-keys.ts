/**
 * The keys that sign session tokens, shared by the Worker (signing, publishing) and the CLI
 * (`signing-key rotate|list`). ES256 keys made here; the private half is sealed under SECRETS_KEY,
 * the public half published at `/.well-known/jwks.json` with its `kid`. The first token a
 * deployment signs creates its first key; a rotation retires the current key, which stays
 * published for MAX_SESSION_TOKEN_SECONDS, the longest a token it signed can live.
 */
import { desc, isNull, or, gt, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { open, seal } from '../common/secret-box.ts';
import { MAX_SESSION_TOKEN_SECONDS } from '../config.ts';
import { now, type Database } from '../db/client.ts';
import { signingKeys } from '../db/schema.ts';

export const SIGNING_ALG = 'ES256';

type SigningKeyRow = typeof signingKeys.$inferSelect;
/** A key as listed: never its private half. */
export type SigningKeyInfo = Omit<SigningKeyRow, 'privateSealed'>;

/** A new key's row: `kid` = `sk_` + 64 random bits in hex plus its date, private half sealed. */
async function newKeyRow(secretsKey: string): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const createdAt = now();
  const kid = `sk_${createdAt.slice(0, 10).replace(/-/g, '')}_${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const privateSealed = await seal(secretsKey, 'signing-key', JSON.stringify(await exportJWK(privateKey)), kid);
  return { kid, alg: SIGNING_ALG, publicJwk, privateSealed, createdAt, retiredAt: null };
}

const current = (db: Database) => db.select().from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(desc(signingKeys.createdAt)).limit(1).get();

/** Private keys already opened in this isolate, by kid (a key never changes). */
const opened = new Map<string, CryptoKey>();

/**
 * The current key, ready to sign; made on first use. Two isolates making the first key at once
 * insert only one: the insert writes only while no key is current, and both then read the one that is.
 */
export async function currentSigningKey(db: Database, secretsKey: string): Promise<{ kid: string; key: CryptoKey }> {
  let row = await current(db);
  if (!row) {
    const fresh = await newKeyRow(secretsKey);
    await db.insert(signingKeys).select(
      sql`SELECT ${fresh.kid}, ${fresh.alg}, ${JSON.stringify(fresh.publicJwk)}, ${fresh.privateSealed}, ${fresh.createdAt}, NULL WHERE NOT EXISTS (SELECT 1 FROM ${signingKeys} WHERE ${signingKeys.retiredAt} IS NULL)`,
    );
    row = await current(db);
    if (!row) throw new Error('no current signing key after creating one');
  }
  let key = opened.get(row.kid);
  if (!key) {
    const jwk = await open(secretsKey, 'signing-key', row.privateSealed, row.kid);
    if (jwk === undefined) throw new Error(`signing key ${row.kid} does not open with this SECRETS_KEY`);
    key = (await importJWK(JSON.parse(jwk) as JWK, SIGNING_ALG)) as CryptoKey;
    opened.set(row.kid, key);
  }
  return { kid: row.kid, key };
}

/** Retires the current key (if any) and makes a new one current, in one batch; returns the new key. */
export async function rotateSigningKey(db: Database, secretsKey: string): Promise<{ current: SigningKeyInfo; retired: string[] }> {
  const fresh = await newKeyRow(secretsKey);
  const [retired] = await db.batch([
    db.update(signingKeys).set({ retiredAt: fresh.createdAt }).where(isNull(signingKeys.retiredAt)).returning({ kid: signingKeys.kid }),
    db.insert(signingKeys).values(fresh),
  ]);
  const { privateSealed: _private, ...info } = fresh;
  return { current: info, retired: retired.map((r) => r.kid) };
}

/** Every key, newest first, without private halves. */
export async function listSigningKeys(db: Database): Promise<SigningKeyInfo[]> {
  const rows = await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt)).all();
  return rows.map(({ privateSealed: _private, ...info }) => info);
}

/** The public keys a verifier may meet: the current one and those retired within MAX_SESSION_TOKEN_SECONDS. */
export async function publishedKeys(db: Database, nowMs = Date.now()): Promise<Record<string, unknown>[]> {
  const since = new Date(nowMs - MAX_SESSION_TOKEN_SECONDS * 1000).toISOString();
  const rows = await db.select({ publicJwk: signingKeys.publicJwk }).from(signingKeys).where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, since))).orderBy(desc(signingKeys.createdAt)).all();
  return rows.map((r) => r.publicJwk);
}
