/**
 * Which of the tenant's SCIM users a signed-in person is, and the binding that keeps it so. A user
 * is bound to one provider subject per issuer: recorded in `signin_subjects` on the first sign-in
 * that links to it, or implied by a SCIM `externalId` (Okta's SCIM sends the Okta user id, the ID
 * token's `sub`). Order: the bound subject; `externalId == sub`; then, for unbound users only, a
 * verified email (a userName or an email of the user) or, on opt-in, `preferred_username` equal to
 * the userName — case-insensitive except the subject. A user bound to another subject never links.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/sqlite-core';
import { now, type Database } from '../db/client.ts';
import { signinSubjects, userEmails, users } from '../db/schema.ts';
import { tenantTermOfLookup } from '../db/tenant-term.ts';
import type { SignInIdentity } from './identity.ts';
import { foldCase } from '../common/fold-case.ts';

/** The matched user, how it matched, or why no single user could be chosen. */
export type LinkResult =
  | { kind: 'linked'; userId: string; matchedBy: 'subject' | 'externalId' | 'userName or email' }
  | { kind: 'none' }
  | { kind: 'ambiguous'; userIds: string[] }
  /** Users that match by name or email but belong to another subject of this issuer (or another externalId). */
  | { kind: 'bound-elsewhere'; userIds: string[] };

/** The connection's linking rules. */
export interface LinkPolicy {
  issuer: string;
  trustUnverifiedEmail: boolean;
  linkPreferredUsername: boolean;
}

const BOUND = 0;
const EXTERNAL_ID = 1;
const BY_NAME = 2;
const BOUND_ELSEWHERE = 3;

/** The email linking (and JIT) may use: verified, or any when the connection trusts unverified ones. */
export function linkableEmail(identity: SignInIdentity, policy: Pick<LinkPolicy, 'trustUnverifiedEmail'>): string | undefined {
  return identity.emailVerified || policy.trustUnverifiedEmail ? identity.email : undefined;
}

/** The tenant's user for `identity` under `policy`, binding the subject to it on a first link. */
export async function linkUser(db: Database, tenantId: string, identity: SignInIdentity, policy: LinkPolicy): Promise<LinkResult> {
  const email = linkableEmail(identity, policy);
  const names = [policy.linkPreferredUsername ? identity.preferredUsername : undefined, email].filter((v): v is string => v !== undefined).map(foldCase);
  const boundSubject = sql`(SELECT ${signinSubjects.subject} FROM ${signinSubjects} WHERE ${signinSubjects.userId} = ${users.id} AND ${signinSubjects.issuer} = ${policy.issuer})`;
  const rank = sql<number>`CASE WHEN ${boundSubject} = ${identity.sub} THEN ${BOUND}
    WHEN ${boundSubject} IS NOT NULL THEN ${BOUND_ELSEWHERE}
    WHEN ${users.externalId} = ${identity.sub} THEN ${EXTERNAL_ID}
    WHEN ${users.externalId} IS NOT NULL THEN ${BOUND_ELSEWHERE}
    ELSE ${BY_NAME} END`;
  // Each way a user may match is an index lookup of ids; their union is what the query starts from.
  const bySubject = db.select({ id: signinSubjects.userId }).from(signinSubjects).where(and(eq(signinSubjects.tenantId, tenantId), eq(signinSubjects.issuer, policy.issuer), eq(signinSubjects.subject, identity.sub)));
  const ownIds = () => db.select({ id: users.id }).from(users);
  const byExternalId = ownIds().where(and(eq(users.tenantId, tenantId), eq(users.externalId, identity.sub)));
  const byNameOrEmail = [
    ...(names.length ? [ownIds().where(and(eq(users.tenantId, tenantId), inArray(sql`lower(${users.userName})`, names)))] : []),
    ...(email === undefined ? [] : [db.select({ id: userEmails.userId }).from(userEmails).where(and(eq(userEmails.tenantId, tenantId), eq(userEmails.value, email)))]),
  ];
  const candidates = await db
    .select({ id: users.id, rank })
    .from(users)
    .where(and(tenantTermOfLookup(users.tenantId, tenantId), inArray(users.id, unionAll(bySubject, byExternalId, ...byNameOrEmail))))
    .orderBy(rank)
    .limit(4)
    .all();
  const best = candidates[0];
  if (!best) return { kind: 'none' };
  if (best.rank === BOUND_ELSEWHERE) return { kind: 'bound-elsewhere', userIds: candidates.map((c) => c.id) };
  const tied = candidates.filter((c) => c.rank === best.rank);
  if (tied.length > 1) return { kind: 'ambiguous', userIds: tied.map((c) => c.id) };
  if (best.rank === BOUND) return { kind: 'linked', userId: best.id, matchedBy: 'subject' };
  if (!(await bindSubject(db, tenantId, policy.issuer, identity.sub, best.id))) return { kind: 'bound-elsewhere', userIds: [best.id] };
  return { kind: 'linked', userId: best.id, matchedBy: best.rank === EXTERNAL_ID ? 'externalId' : 'userName or email' };
}

/**
 * Records that `subject` signs in as `userId`; false when a concurrent first sign-in bound the user
 * (or the subject) otherwise. The unique keys decide, so two racing subjects cannot both win.
 */
async function bindSubject(db: Database, tenantId: string, issuer: string, subject: string, userId: string): Promise<boolean> {
  const [, bound] = await db.batch([
    db.insert(signinSubjects).values({ tenantId, issuer, subject, userId, createdAt: now() }).onConflictDoNothing(),
    db
      .select({ userId: signinSubjects.userId })
      .from(signinSubjects)
      .where(and(eq(signinSubjects.tenantId, tenantId), eq(signinSubjects.issuer, issuer), eq(signinSubjects.subject, subject))),
  ]);
  return bound[0]?.userId === userId;
}
