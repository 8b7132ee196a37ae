/**
 * Ending a session (RP-Initiated Logout 1.0): the KV session is deleted, and when the provider
 * offers an `end_session_endpoint` the browser goes there with `id_token_hint` and our
 * `post_logout_redirect_uri`, so the provider's session ends too.
 */
import { database } from '../db/client.ts';
import type { Config } from '../config.ts';
import type { Env } from '../env.ts';
import { deleteSession } from '../sessions/session-store.ts';
import { auditInsert } from '../audit/audit-log.ts';
import { loadSignInSetup } from './connection-store.ts';
import { openIdTokenHint } from './id-token-hint.ts';
import { insecureAllowed } from './issuer-url.ts';
import { describe, discover } from './provider.ts';

/** Where the provider sends the browser after its logout; register it in Okta as a sign-out redirect URI. */
export const LOGGED_OUT_PATH = '/auth/logged-out';

/**
 * Deletes the session (if any) and returns where to send the browser: the provider's
 * end-session URL when it has one and we hold the ID token, else our signed-out page.
 */
export async function endSession(env: Env, config: Config, sessionId: string | undefined, origin: string): Promise<string> {
  const loggedOut = origin + LOGGED_OUT_PATH;
  if (!sessionId) return loggedOut;
  // Also drops the session from its sid index, so a later front-channel logout for it finds nothing.
  const record = await deleteSession(env.SESSIONS, sessionId);
  if (!record) return loggedOut;
  const db = database(env.DB);
  await auditInsert(db, { tenantId: record.tenantId, actor: 'oidc', action: 'signout', resourceType: 'User', resourceId: record.userId, outcome: 'success' }).run();
  const setup = await loadSignInSetup(db, { id: record.tenantId });
  const idToken = await openIdTokenHint(config.secretsKey, record.tenantId, record.idTokenSealed);
  if (!setup?.connection || setup.connection.issuer !== record.issuer || !idToken) return loggedOut;
  try {
    const { localDev } = config;
    const endpoint = (await discover(record.issuer, localDev)).end_session_endpoint;
    if (!endpoint) return loggedOut;
    const url = new URL(endpoint);
    if (url.protocol !== 'https:' && !insecureAllowed(url, localDev)) return loggedOut;
    url.searchParams.set('id_token_hint', idToken);
    url.searchParams.set('post_logout_redirect_uri', loggedOut);
    url.searchParams.set('client_id', setup.connection.clientId);
    return url.href;
  } catch (err) {
    // Our session is gone either way; a provider we cannot reach must not block signing out here.
    console.warn(`[oidc] end_session discovery for ${record.issuer} failed: ${describe(err)}`);
    return loggedOut;
  }
}
