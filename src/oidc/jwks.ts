/**
 * The provider's signing keys and the ID token signature check oauth4webapi leaves to us (it
 * trusts TLS for tokens from the token endpoint). Key sets are cached per isolate for their
 * Cache-Control max-age; a token signed with a key we do not know refetches the set once, so a
 * provider's key rotation just works. HMAC with the client secret only where the tenant opted in.
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, type JSONWebKeySet } from 'jose';
import type { AuthorizationServer } from 'oauth4webapi';
import { cacheSeconds } from './cache-control.ts';
import { BoundedMap } from '../common/bounded-map.ts';
import { insecureAllowed } from './issuer-url.ts';
import { providerFetch } from './provider-fetch.ts';

/** Asymmetric signature algorithms we accept on ID tokens, verified with the provider's JWKS; never `none`. */
export const ACCEPTED_ID_TOKEN_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
/** HMAC algorithms accepted on ID tokens only when the tenant opted in, keyed with the client secret (OIDC Core §10.1). */
export const HMAC_ID_TOKEN_ALGS = ['HS256', 'HS384', 'HS512'] as const;
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output; a shorter client secret keys nothing. */
const HMAC_MIN_KEY_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

const FETCH_TIMEOUT_MS = 10_000;

interface CachedKeySet {
  jwks: JSONWebKeySet;
  expiresAt: number;
}

/** Key sets by URI, at most this many per isolate. */
const keySets = new BoundedMap<string, Promise<CachedKeySet>>(500);

/** Why an ID token's signature is refused; the message goes to the log and the audit trail. */
export class SignatureRejected extends Error {
  override name = 'SignatureRejected';
}

async function fetchKeySet(uri: string, localDev: boolean): Promise<CachedKeySet> {
  const response = await providerFetch(localDev)(uri, { headers: { accept: 'application/json, application/jwk-set+json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new SignatureRejected(`JWKS ${uri} answered ${response.status}`);
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) throw new SignatureRejected(`JWKS ${uri} is not a JSON Web Key Set`);
  // Cached for its max-age, at least 30 s (a rotation is caught by the unknown-kid refetch) and at most a day.
  return { jwks: body as JSONWebKeySet, expiresAt: Date.now() + cacheSeconds(response, 600, 30, 86_400) * 1000 };
}

/** The key set at `uri`: cached unless stale or `refresh`; concurrent callers share one fetch. */
function keySet(uri: string, refresh: boolean, localDev: boolean): Promise<CachedKeySet> {
  const cached = keySets.get(uri);
  if (cached && !refresh) {
    return cached.then((entry) => (entry.expiresAt > Date.now() ? entry : keySet(uri, true, localDev)));
  }
  const fetched = fetchKeySet(uri, localDev);
  keySets.set(uri, fetched);
  fetched.catch(() => {
    if (keySets.get(uri) === fetched) keySets.delete(uri);
  });
  return fetched;
}

/**
 * Verifies the JWS signature of `idToken` (OIDC Core §3.1.3.7 steps 6–8): an asymmetric `alg` with
 * the provider's JWKS or, given `hmacSecret` (the client secret of a tenant that opted in), HS256/384/512
 * keyed with its UTF-8 octets (§10.1); never `none`. When the provider lists its algs, `alg` must be one.
 */
export async function verifyIdTokenSignature(idToken: string, as: AuthorizationServer, localDev: boolean, hmacSecret: string | undefined): Promise<void> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(idToken).alg;
  } catch {
    throw new SignatureRejected('ID token header is not valid base64url JSON');
  }
  const hmacKey = hmacSecret !== undefined && (HMAC_ID_TOKEN_ALGS as readonly string[]).includes(alg ?? '') ? new TextEncoder().encode(hmacSecret) : undefined;
  if (!alg || (!hmacKey && !(ACCEPTED_ID_TOKEN_ALGS as readonly string[]).includes(alg))) {
    const accepted = hmacSecret === undefined ? 'only asymmetric signatures are accepted (never "none" or HMAC)' : 'only asymmetric signatures or HMAC with the client secret are accepted (never "none")';
    throw new SignatureRejected(`ID token alg "${alg}" refused: ${accepted}`);
  }
  const announced = as.id_token_signing_alg_values_supported;
  if (announced && !announced.includes(alg)) throw new SignatureRejected(`ID token alg "${alg}" is not among the provider's ${announced.join(', ')}`);
  if (!hmacKey) return verifyWithJwks(idToken, alg, as, localDev);
  const minBytes = HMAC_MIN_KEY_BYTES[alg]!;
  if (hmacKey.length < minBytes) throw new SignatureRejected(`ID token alg "${alg}" needs a client secret of at least ${minBytes} bytes (RFC 7518 §3.2); this one has ${hmacKey.length}`);
  // The signature only, as on the JWKS path: oauth4webapi has checked the claims, with its clock tolerance.
  try {
    await compactVerify(idToken, hmacKey, { algorithms: [alg] });
  } catch (err) {
    throw rejection(err);
  }
}

/** The asymmetric path: the key from the provider's JWKS, refetched once for an unknown key. */
async function verifyWithJwks(idToken: string, alg: string, as: AuthorizationServer, localDev: boolean): Promise<void> {
  if (!as.jwks_uri) throw new SignatureRejected('the provider announces no jwks_uri');
  const uri = new URL(as.jwks_uri);
  if (uri.protocol !== 'https:' && !insecureAllowed(uri, localDev)) throw new SignatureRejected(`jwks_uri ${as.jwks_uri} is not https`);

  const attempt = async (refresh: boolean) => compactVerify(idToken, createLocalJWKSet((await keySet(uri.href, refresh, localDev)).jwks), { algorithms: [alg] });
  try {
    await attempt(false);
  } catch (err) {
    if (!(err instanceof errors.JWKSNoMatchingKey)) throw rejection(err);
    // An unknown key: the provider may have rotated since we cached its set. Refetch once.
    try {
      await attempt(true);
    } catch (retryErr) {
      throw rejection(retryErr);
    }
  }
}

function rejection(err: unknown): Error {
  if (err instanceof SignatureRejected) return err;
  if (err instanceof errors.JOSEError) return new SignatureRejected(`ID token signature: ${err.code} ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}
