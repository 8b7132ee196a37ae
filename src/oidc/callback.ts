/**
 * Finishing a sign-in at `/auth/callback` (OIDC Core §3.1.2.5–§3.1.3.7), read top to bottom:
 * attempt cookie → single use in the tenant object → authorization response (state, RFC 9207
 * `iss`) → code exchange with PKCE → ID token claims (oauth4webapi) and signature (our JWKS cache)
 * → userinfo when the ID token lacks email or groups → linking or JIT → access → KV session.
 * Any failure is audited with its precise reason and creates no session.
 */
import * as oauth from 'oauth4webapi';
import { database, type Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { PageError } from '../http/errors.ts';
import { userAccess, type UserAccess } from '../tenants/access.ts';
import { createSession, deleteSession } from '../sessions/session-store.ts';
import { auditInsert, auditRun } from '../audit/audit-log.ts';
import { batchCompiled } from '../db/compiled-statement.ts';
import { eventRun } from '../events/event-log.ts';
import { announceChange } from '../webhooks/kicks.ts';
import { loadSignInSetup, openClientSecret, type SignInSetup } from './connection-store.ts';
import type { OidcConnection } from './connection-settings.ts';
import { sidClaim } from './frontchannel-logout.ts';
import { needsUserInfo, signInIdentity, type SignInIdentity } from './identity.ts';
import { sealIdTokenHint } from './id-token-hint.ts';
import { provisionUser } from './jit.ts';
import { verifyIdTokenSignature } from './jwks.ts';
import { linkableEmail, linkUser } from './link.ts';
import { loginAttempts } from './login-attempts.ts';
import { CALLBACK_PATH, requireConnection } from './login.ts';
import { openLoginAttempt, type LoginAttempt } from './login-state.ts';
import { clientAuth, CLOCK_TOLERANCE_SECONDS, describe, tenantProvider, type Provider } from './provider.ts';

/** What the callback route hands in. */
export interface CallbackInput {
  /** The full callback URL as received (its query is the authorization response). */
  url: URL;
  state: string;
  /** The sealed attempt cookie named after `state`, if the browser sent it. */
  attemptCookie: string | undefined;
  origin: string;
  /** A session the browser already had: replaced, never reused (no fixation). */
  previousSessionId: string | undefined;
}

/** A new session and where to land. */
export interface SignedIn {
  sessionId: string;
  maxAgeSeconds: number;
  location: string;
}

const START_AGAIN = 'Your sign-in attempt expired or was started in another browser. Please start again from the sign-in page.';
const NOT_VERIFIED = 'We could not verify your sign-in with your identity provider. Please try again; if it keeps failing, contact your administrator.';

/** Runs the callback; throws PageError (after auditing it) on any failure. */
export async function completeSignIn(env: Env, config: Config, input: CallbackInput): Promise<SignedIn> {
  const attempt = input.attemptCookie === undefined ? undefined : await openLoginAttempt(config.secretsKey, input.state, input.attemptCookie);
  if (!attempt) throw new PageError(400, START_AGAIN, `no valid login cookie for state ${input.state.slice(0, 8)}…`);
  const db = database(env.DB);
  const setup = await loadSignInSetup(db, { id: attempt.tenantId });
  if (!setup) throw new PageError(400, START_AGAIN, `tenant ${attempt.tenantId} of the login attempt no longer exists`);
  try {
    return await signIn(env, config, db, setup, attempt, input);
  } catch (err) {
    const failure = asPageError(err);
    await auditInsert(db, { tenantId: setup.tenant.id, actor: 'oidc', action: 'signin', resourceType: 'User', outcome: 'failure', status: failure.status, detail: failure.message }).run();
    throw failure;
  }
}

async function signIn(env: Env, config: Config, db: Database, setup: SignInSetup, attempt: LoginAttempt, input: CallbackInput): Promise<SignedIn> {
  const { tenant } = setup;
  const connection = requireConnection(setup);
  if (connection.issuer !== attempt.issuer) throw new PageError(400, START_AGAIN, `issuer changed from ${attempt.issuer} to ${connection.issuer} during the attempt`);
  if (!(await loginAttempts(env, tenant.id).consumeLoginAttempt(attempt.attemptId, attempt.expiresAt))) {
    throw new PageError(400, 'This sign-in response was already used. Please start again from the sign-in page.', `replayed callback for attempt ${attempt.attemptId}`);
  }
  const provider = await tenantProvider(connection, config.localDev);
  // Opened for the token request only; it also keys HMAC-signed ID tokens, where the tenant opted in.
  const clientSecret = await openClientSecret(config.secretsKey, connection);
  const tokens = await exchangeCode(config, provider, clientAuth(connection, clientSecret), attempt, input, connection.hmacIdTokens ? clientSecret : undefined);
  const userInfo = needsUserInfo(tokens.claims, connection.groupsClaim) ? await fetchUserInfo(provider, tokens) : undefined;
  const identity = signInIdentity(tokens.claims, userInfo, connection.groupsClaim, connection.groupsFilter);
  const access = await resolveAccess(env, input.origin, db, setup, connection, identity);

  if (input.previousSessionId) await deleteSession(env.SESSIONS, input.previousSessionId);
  const { sessionId } = await createSession(
    env.SESSIONS,
    { tenantId: tenant.id, userId: access.user.id, sub: identity.sub, issuer: connection.issuer, claimGroups: identity.groups ?? [], idTokenSealed: await sealIdTokenHint(config.secretsKey, tenant.id, tokens.idToken), sid: sidClaim(tokens.claims) },
    { idleSeconds: tenant.sessionIdleSeconds, absoluteSeconds: tenant.sessionAbsoluteSeconds },
  );
  // The audit row and the `user.signed_in` event commit together.
  await batchCompiled(db.$client, [
    auditRun(db, { tenantId: tenant.id, actor: 'oidc', action: 'signin', resourceType: 'User', resourceId: access.user.id, outcome: 'success', status: 302, detail: `sub=${identity.sub} role=${access.role} linked by ${access.linkedBy}` }),
    eventRun({ tenantId: tenant.id, actor: 'oidc' }, 'user.signed_in', { user: { id: access.user.id, userName: access.user.userName }, role: access.role }),
  ]);
  await announceChange(env, tenant.id);
  return { sessionId, maxAgeSeconds: tenant.sessionAbsoluteSeconds, location: attempt.returnTo };
}

interface Tokens {
  claims: oauth.IDToken;
  idToken: string;
  accessToken: string;
}

/** Validates the authorization response, redeems the code and checks the ID token fully. */
async function exchangeCode(config: Config, provider: Provider, auth: oauth.ClientAuth, attempt: LoginAttempt, input: CallbackInput, hmacSecret: string | undefined): Promise<Tokens> {
  const { as, client, http } = provider;
  // state, and RFC 9207 `iss`: required when the provider announces support, compared whenever present.
  const params = oauth.validateAuthResponse(as, client, input.url, attempt.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, input.origin + CALLBACK_PATH, attempt.codeVerifier, http);
  // iss, aud, azp, exp, presence of iat and sub, nonce (OIDC Core §3.1.3.7).
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: attempt.nonce, requireIdToken: true });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  if (!claims || !tokens.id_token) throw new PageError(401, NOT_VERIFIED, 'token response has no ID token');
  await verifyIdTokenSignature(tokens.id_token, as, config.localDev, hmacSecret);
  // oauth4webapi checks only the type of `iat`; one from the future means a broken clock or a forged token.
  if (claims.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw new PageError(401, NOT_VERIFIED, `ID token iat ${claims.iat} is in the future`);
  return { claims, idToken: tokens.id_token, accessToken: tokens.access_token };
}

/** Userinfo claims (OIDC Core §5.3), whose `sub` must equal the ID token's; undefined without an endpoint. */
async function fetchUserInfo(provider: Provider, tokens: Tokens): Promise<Record<string, unknown> | undefined> {
  const { as, client, http } = provider;
  if (!as.userinfo_endpoint) return undefined;
  const response = await oauth.userInfoRequest(as, client, tokens.accessToken, http);
  return { ...(await oauth.processUserInfoResponse(as, client, tokens.claims.sub, response)) };
}

/** The signed-in person's user (linked, or created when JIT is on) and their access; refuses the inactive and the unknown. */
async function resolveAccess(env: Env, origin: string, db: Database, setup: SignInSetup, connection: OidcConnection, identity: SignInIdentity): Promise<UserAccess & { linkedBy: string }> {
  let link = await linkUser(db, setup.tenant.id, identity, connection);
  if (link.kind === 'none' && connection.jit) {
    await provisionUser(env, origin, setup.tenant, identity, linkableEmail(identity, connection));
    link = await linkUser(db, setup.tenant.id, identity, connection);
  }
  if (link.kind === 'ambiguous') {
    throw new PageError(403, 'Your account matches more than one user here. Please contact your administrator.', `sub ${identity.sub} matches users ${link.userIds.join(', ')}`);
  }
  if (link.kind === 'bound-elsewhere') {
    throw new PageError(
      403,
      `Your account at ${setup.tenant.name} is linked to a different sign-in identity. Please contact your administrator.`,
      `sub ${identity.sub} matches users ${link.userIds.join(', ')} by name or email, but they are bound to another subject of ${connection.issuer} or carry another externalId`,
    );
  }
  if (link.kind === 'none') {
    throw new PageError(403, `You do not have access to ${setup.tenant.name} yet. Please ask your administrator to assign you to this application.`, `no user for sub ${identity.sub} / ${identity.email ?? 'no email'}${identity.emailVerified ? '' : ' (unverified)'} and JIT is off`);
  }
  const access = await userAccess(db, setup.tenant.id, link.userId, identity.groups ?? []);
  if (!access) throw new PageError(403, `You do not have access to ${setup.tenant.name}.`, `user ${link.userId} vanished during sign-in`);
  if (!access.user.active) throw new PageError(403, `Your account at ${setup.tenant.name} is deactivated. Please contact your administrator.`, `user ${access.user.id} (sub ${identity.sub}) is inactive`);
  return { ...access, linkedBy: link.matchedBy };
}

/** Any failure as the page the person sees; the precise reason stays in `message` for the log and audit. */
function asPageError(err: unknown): PageError {
  if (err instanceof PageError) return err;
  if (err instanceof oauth.AuthorizationResponseError) {
    const message = err.error === 'access_denied' ? 'Your identity provider denied the sign-in. You may not be assigned to this application.' : NOT_VERIFIED;
    return new PageError(403, message, `authorization response error ${err.error}: ${err.error_description ?? ''}`);
  }
  if (err instanceof oauth.ResponseBodyError) return new PageError(502, NOT_VERIFIED, `${err.status} from the provider: ${err.error} ${err.error_description ?? ''}`);
  if (err instanceof TypeError || (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
    return new PageError(502, 'Your identity provider could not be reached. Please try again later.', describe(err));
  }
  return new PageError(401, NOT_VERIFIED, describe(err));
}
