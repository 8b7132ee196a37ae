/** The JSON `/auth/session` answers: who, which tenant, which role and groups, until when. */
import { foldCase } from '../common/fold-case.ts';
import type { UserAccess } from '../tenants/access.ts';
import { sessionExpiresAt, type SessionRecord } from './session-store.ts';

/** The body of `GET /auth/session`. */
export interface SessionView {
  tenant: string;
  user: { id: string; userName: string; email: string | null; name: string | null; externalId: string | null };
  role: string;
  groups: string[];
  expiresAt: string;
}

interface ScimEmail {
  value?: unknown;
  primary?: unknown;
}

function primaryEmail(data: Record<string, unknown>): string | null {
  const emails = Array.isArray(data.emails) ? (data.emails as ScimEmail[]) : [];
  const chosen = emails.find((e) => e.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value : null;
}

function displayName(access: UserAccess): string | null {
  const name = access.user.data.name as { formatted?: unknown; givenName?: unknown; familyName?: unknown } | undefined;
  if (typeof name?.formatted === 'string') return name.formatted;
  if (access.user.displayName) return access.user.displayName;
  const parts = [name?.givenName, name?.familyName].filter((p): p is string => typeof p === 'string');
  return parts.length ? parts.join(' ') : null;
}

/** SCIM groups first, then the claim's groups not already listed (case-insensitive). */
function mergedGroups(scimGroups: string[], claimGroups: string[]): string[] {
  const seen = new Set<string>();
  return [...scimGroups, ...claimGroups].filter((g) => {
    const key = g.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The session as the SaaS reads it; user fields come from the current SCIM data, not the sign-in. */
export function sessionView(access: UserAccess, record: SessionRecord): SessionView {
  return {
    tenant: access.tenant.slug,
    user: { id: access.user.id, userName: access.user.userName, email: primaryEmail(access.user.data), name: displayName(access), externalId: access.user.externalId },
    role: access.role,
    // A claim group SCIM also knows shows by its SCIM membership only (the claim is as of sign-in).
    groups: mergedGroups(access.scimGroups, record.claimGroups.filter((g) => access.claimGroups.includes(foldCase(g)))),
    expiresAt: new Date(sessionExpiresAt(record)).toISOString(),
  };
}
