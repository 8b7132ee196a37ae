/**
 * Session tokens for other origins: `GET /auth/token` turns the live session behind the cookie
 * into a short-lived JWT (ES256, the current signing key's `kid`) that an API on another origin,
 * or a native or single-page client, verifies offline against `/.well-known/jwks.json`. Each call
 * checks the session as `/auth/session` does, so a deactivated or deleted user gets no new token;
 * a host that only verifies offline learns of it within the token's lifetime.
 */
import { SignJWT } from 'jose';
import type { Config } from '../config.ts';
import { database } from '../db/client.ts';
import { ssoRequired } from '../tenants/sso-requirement.ts';
import type { Env } from '../env.ts';
import { liveSession } from './current-session.ts';
import { digestKey } from './kv-keys.ts';
import { currentSigningKey, SIGNING_ALG } from './signing-keys.ts';

export interface SessionToken {
  token: string;
  expiresAt: string;
}

/**
 * A token for the session `sessionId`, issued by `issuer` (the Worker's origin as the request
 * reached it); undefined without a live session. `sid` names the session without revealing its
 * id (a digest, as its KV key does).
 */
export async function issueSessionToken(env: Env, config: Config, sessionId: string | undefined, issuer: string): Promise<SessionToken | undefined> {
  const live = await liveSession(env, sessionId);
  if (!live || !sessionId) return undefined;
  const { view, tenantId } = live;
  const db = database(env.DB);
  const [{ kid, key }, requireSso] = await Promise.all([currentSigningKey(db, config.secretsKey), ssoRequired(db, tenantId)]);
  const issuedAt = Math.floor(Date.now() / 1000);
  // Never past the session's own end.
  const expires = Math.min(issuedAt + config.sessionTokens.ttlSeconds, Math.floor(Date.parse(view.expiresAt) / 1000));
  const token = await new SignJWT({ tenant: view.tenant, role: view.role, groups: view.groups, email: view.user.email, name: view.user.name, requireSso, sid: await digestKey('', sessionId) })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(config.sessionTokens.audience ?? issuer)
    .setSubject(view.user.id)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expires)
    .sign(key);
  return { token, expiresAt: new Date(expires * 1000).toISOString() };
}
