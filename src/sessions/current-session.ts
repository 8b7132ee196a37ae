/**
 * The session behind a cookie, checked against D1 on every call: a user deactivated or deleted
 * through SCIM loses the session at once (it is deleted), and role or group changes show at once.
 */
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { userAccess } from '../tenants/access.ts';
import { deleteSession, useSession } from './session-store.ts';
import { sessionView, type SessionView } from './session-view.ts';

/** The live session's view with its tenant's id, or undefined (no session, expired, or the user lost access). */
export async function liveSession(env: Env, sessionId: string | undefined): Promise<{ view: SessionView; tenantId: string } | undefined> {
  if (!sessionId) return undefined;
  const record = await useSession(env.SESSIONS, sessionId);
  if (!record) return undefined;
  const access = await userAccess(database(env.DB), record.tenantId, record.userId, record.claimGroups);
  if (!access || !access.user.active) {
    await deleteSession(env.SESSIONS, sessionId);
    return undefined;
  }
  return { view: sessionView(access, record), tenantId: record.tenantId };
}

/** The live session's view, as `/auth/session` answers it, or undefined. */
export async function currentSession(env: Env, sessionId: string | undefined): Promise<SessionView | undefined> {
  return (await liveSession(env, sessionId))?.view;
}
