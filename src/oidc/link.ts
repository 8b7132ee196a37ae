/**
 * Which of the tenant's SCIM users a signed-in person is: `externalId == sub` first (Okta's SCIM
 * sends the Okta user id, the same value as the ID token's `sub`), then `userName` equal to the
 * `preferred_username` or email, then an email of the user — all case-insensitive except the subject.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { userEmails, users } from '../db/schema.ts';
import type { SignInIdentity } from './identity.ts';
import { foldCase } from '../scim/filter/fold-case.ts';

/** The matched user, how it matched, or why no single user could be chosen. */
export type LinkResult =
  | { kind: 'linked'; userId: string; matchedBy: 'externalId' | 'userName' | 'email' }
  | { kind: 'none' }
  | { kind: 'ambiguous'; userIds: string[] };

const MATCH_NAMES = ['externalId', 'userName', 'email'] as const;

/** The tenant's user for `identity`; emails count only when the provider has not flagged them unverified. */
export async function linkUser(db: Database, tenantId: string, identity: SignInIdentity): Promise<LinkResult> {
  const email = identity.emailVerified ? identity.email : undefined;
  const names = [identity.preferredUsername, email].filter((v): v is string => v !== undefined).map(foldCase);
  const byEmail = email === undefined ? [] : [inArray(users.id, db.select({ id: userEmails.userId }).from(userEmails).where(and(eq(userEmails.tenantId, tenantId), eq(userEmails.value, email))))];
  const rank = sql<number>`CASE WHEN ${users.externalId} = ${identity.sub} THEN 0 WHEN lower(${users.userName}) IN (${sql.join(
    names.length ? names.map((n) => sql`${n}`) : [sql`NULL`],
    sql`, `,
  )}) THEN 1 ELSE 2 END`;
  const candidates = await db
    .select({ id: users.id, rank })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), or(eq(users.externalId, identity.sub), ...(names.length ? [inArray(sql`lower(${users.userName})`, names)] : []), ...byEmail)))
    .orderBy(rank)
    .limit(3)
    .all();
  const best = candidates[0];
  if (!best) return { kind: 'none' };
  const tied = candidates.filter((c) => c.rank === best.rank);
  if (tied.length > 1) return { kind: 'ambiguous', userIds: tied.map((c) => c.id) };
  return { kind: 'linked', userId: best.id, matchedBy: MATCH_NAMES[best.rank] ?? 'email' };
}
