/**
 * Reads read about what they return, not the tenant's rows, counted by SQLite itself
 * (`rows_read`) on a tenant of 3,000 users in 30 groups of 100 beside another one as large: a
 * lookup by an indexed attribute, in D1 and in the tenant object's serving copy; sign-in's search
 * for the person's user; the console's names of users and its activity of one user or of failures;
 * the management API's directory snapshot.
 * Without statistics SQLite would start from the tenant's `(tenant_id, seq)` range and test every
 * row against a lookup of ids (docs/storage-schema.md, "A lookup starts from what it finds").
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditInsert } from '../src/audit/audit-log.ts';
import { auditPage, latestProvisioningRequest, userHistory } from '../src/audit/audit-reader.ts';
import { database } from '../src/db/client.ts';
import { groups, users } from '../src/db/schema.ts';
import { snapshotPage } from '../src/api/directory-snapshot.ts';
import { linkUser } from '../src/oidc/link.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { directoryPage, userNames } from '../src/scim/storage/directory-pages.ts';
import { listPage } from '../src/scim/storage/list.ts';
import { listQuerySchema } from '../src/scim/storage/list-query.ts';
import { ObjectSql } from '../src/tenant-object/object-sql.ts';
import { seedDirectory } from './support/seed-directory.ts';
import { tenantObject } from './support/serving-copy.ts';
import { tenantWithToken } from './support/tenants.ts';

const USERS = 3000;

let tenantId: string;
beforeAll(async () => {
  const t = await tenantWithToken();
  tenantId = t.tenant.id;
  await seedDirectory(env.DB, tenantId, USERS);
  // A neighbour as large, so a page that walks past the tenant's own rows shows.
  await seedDirectory(env.DB, (await tenantWithToken()).tenant.id, USERS);
  // The first read builds the copy; the alarm copies the pages left.
  expect((await t.scim.get('/Users?count=1')).status).toBe(200);
  const stub = tenantObject(tenantId);
  while (await runDurableObjectAlarm(stub));
});

/** Each lookup, with how many resources it finds (the seed: user i is `user<i>@example.com`, `00u<i>`, in group `g-<tenant>-<100k+1>`). */
const lookups = () =>
  [
    ['User', 'emails[type eq "work"].value eq "user2500@example.com"', 1],
    ['User', 'emails[value eq "user2500@example.com"]', 1],
    ['User', 'emails.value eq "USER2500@example.com"', 1],
    ['User', 'emails.value eq "user2500@example.com" and active eq true', 1],
    ['User', 'userName eq "user2500@example.com"', 1],
    ['User', 'externalId eq "00u2500"', 1],
    ['User', `groups.value eq "g-${tenantId}-2401"`, 100],
    ['User', `groups[value eq "g-${tenantId}-2401"]`, 100],
    ['Group', `members.value eq "u-${tenantId}-2500"`, 1],
    ['Group', 'displayName eq "Group 2401"', 1],
  ] as const;

/**
 * D1 that remembers the SELECTs it ran, and `read` the rows they read: each again with `all()`,
 * whose meta counts them (drizzle's own selects come back through `raw()`, which has no meta).
 */
function rereadSelects(d1: D1Database): { d1: D1Database; read: () => Promise<number> } {
  const selects: { query: string; values: unknown[] }[] = [];
  const binding = {
    prepare(query: string) {
      const statement = d1.prepare(query);
      if (!/^\s*select\b/i.test(query)) return statement;
      selects.push({ query, values: [] });
      const record = selects.at(-1)!;
      return new Proxy(statement, {
        get(target, name) {
          if (name === 'bind') return (...values: unknown[]) => ((record.values = values), target.bind(...values));
          const value = Reflect.get(target, name, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    batch: (statements: D1PreparedStatement[]) => d1.batch(statements),
  } as unknown as D1Database;
  const read = async () => {
    let rows = 0;
    for (const { query, values } of selects) rows += (await d1.prepare(query).bind(...values).all()).meta.rows_read;
    return rows;
  };
  return { d1: binding, read };
}

/** A SCIM list's first page of `filter`, and the rows it read. */
async function listRead(binding: D1Database, resource: 'User' | 'Group', filter: string) {
  const { d1, read } = rereadSelects(binding);
  const [resourceType, table] = resource === 'User' ? [USER_RESOURCE_TYPE, users] : [GROUP_RESOURCE_TYPE, groups];
  const page = await listPage(database(d1), tenantId, resourceType, table as typeof users, listQuerySchema.parse({ filter, count: '100' }));
  return { found: page.totalResults, read: await read() };
}

// Each match costs a few rows (the lookup's key, the row by id, for the count and for the page); a walk of the tenant costs 3,000 and more.
const bound = (found: number) => 10 * (found + 1);

describe('an indexed lookup reads what it finds', () => {
  it('in D1: a SCIM list page and its count', async () => {
    for (const [resource, filter, expected] of lookups()) {
      const { found, read } = await listRead(env.DB, resource, filter);
      expect(found, filter).toBe(expected);
      expect(read, filter).toBeLessThanOrEqual(bound(found));
    }
  });

  it('in D1: a management API directory page', async () => {
    for (const [resource, filter, expected] of lookups()) {
      const { d1, read } = rereadSelects(env.DB);
      const page = await directoryPage(database(d1), { id: tenantId }, resource === 'User' ? 'users' : 'groups', 'https://edge.example', { filter, limit: 100 });
      expect(page.data, filter).toHaveLength(expected);
      expect(await read(), filter).toBeLessThanOrEqual(bound(expected));
    }
  });

  it("in the tenant object's serving copy", async () => {
    const results = await runInDurableObject(tenantObject(tenantId), async (_object, state) => {
      const copy = new ObjectSql(state.storage) as unknown as D1Database;
      const out: { filter: string; found: number; read: number }[] = [];
      for (const [resource, filter] of lookups()) out.push({ filter, ...(await listRead(copy, resource, filter)) });
      return out;
    });
    for (const [i, [, filter, expected]] of lookups().entries()) {
      expect(results[i]!.found, filter).toBe(expected);
      expect(results[i]!.read, filter).toBeLessThanOrEqual(bound(expected));
    }
  });

  it("in D1: sign-in's search for the person's user, by subject, externalId, userName or email", async () => {
    const person = { emailVerified: true, preferredUsername: undefined, name: undefined, givenName: undefined, familyName: undefined, groups: undefined };
    const policy = { issuer: 'https://idp.example', trustUnverifiedEmail: false, linkPreferredUsername: false };
    for (const [sub, email, expected] of [
      ['00u2500', 'user2500@example.com', 'externalId'],
      ['00u2500', 'user2500@example.com', 'subject'],
      // Found by email, but the user's externalId names another subject.
      ['00uother', 'user2600@example.com', 'bound-elsewhere'],
      ['00unobody', 'nobody@example.com', 'none'],
    ] as const) {
      const { d1, read } = rereadSelects(env.DB);
      const result = await linkUser(database(d1), tenantId, { ...person, sub, email }, policy);
      expect(result.kind === 'linked' ? result.matchedBy : result.kind, sub).toBe(expected);
      expect(await read(), sub).toBeLessThanOrEqual(bound(1));
    }
  });

  it("in D1: the console's names of 30 users, by id", async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `u-${tenantId}-${100 * i + 7}`);
    const { d1, read } = rereadSelects(env.DB);
    expect((await userNames(database(d1), { id: tenantId }, ids)).size).toBe(30);
    expect(await read()).toBeLessThanOrEqual(bound(30));
  });

  it("in D1: the management API's directory snapshot, page by page", async () => {
    const { d1, read } = rereadSelects(env.DB);
    const db = database(d1);
    const got = { users: 0, groups: 0, memberships: 0, pages: 0 };
    let cursor: string | undefined;
    do {
      const page = await snapshotPage(db, { id: tenantId }, 'https://edge.example', 500, cursor);
      got.users += page.users.length;
      got.groups += page.groups.length;
      got.memberships += page.memberships.length;
      got.pages += 1;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(got).toMatchObject({ users: USERS, groups: USERS / 100, memberships: USERS });
    // A row read for each returned (a membership: its key and its group's), a few a page; paged by id, each page of users read and sorted all 3,000.
    expect(await read()).toBeLessThanOrEqual(got.users + got.groups + 2 * got.memberships + 10 * got.pages);
  });

  it('an `or` of a lookup and a scan still finds both (it reads the tenant: no lookup bounds it)', async () => {
    const { found } = await listRead(env.DB, 'User', 'emails.value eq "user2500@example.com" or userName sw "user2501@"');
    expect(found).toBe(2);
  });
});

/** A year of sign-ins of other people in `tenant`'s log, 3,000 rows, all in 2025. */
const signIns = (tenant: string) =>
  env.DB.prepare(
    `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 3000)
     INSERT INTO audit_log (id, tenant_id, at, actor, action, resource_type, resource_id, outcome, status)
     SELECT 1, ?, strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i * 3 * 3600) || ' seconds'), 'oidc', 'signin', 'User', 'u-other-' || i, 'success', 302 FROM k`,
  )
    .bind(tenant)
    .run();

describe("the console's activity reads what it shows", () => {
  const person = 'u-audited';
  beforeAll(async () => {
    // The sign-ins, then the few rows about one person, written as the Worker writes them.
    await signIns(tenantId);
    const db = database(env.DB);
    const about = { tenantId, resourceType: 'User', resourceId: person } as const;
    await db.batch([
      auditInsert(db, { ...about, actor: 'token:tok_a', action: 'user.create', outcome: 'success', status: 201 }),
      auditInsert(db, { ...about, actor: 'oidc', action: 'signin', outcome: 'success', status: 302 }),
      auditInsert(db, { ...about, actor: 'token:tok_a', action: 'user.patch', outcome: 'failure', status: 409, detail: 'conflict' }),
    ]);
  });

  it('one user’s rows, the failures, and the users’ history, each by its index, not the tenant’s whole log', async () => {
    const { d1, read } = rereadSelects(env.DB);
    const db = database(d1);
    const mine = await auditPage(db, tenantId, { kind: 'all', outcome: 'all', userId: person }, undefined, 10);
    // Newest first, and rows of one instant in the order they were written.
    expect(mine!.entries.map((e) => e.action)).toEqual(['user.patch', 'signin', 'user.create']);
    const failures = await auditPage(db, tenantId, { kind: 'all', outcome: 'failure' }, undefined, 10);
    expect(failures!.entries.map((e) => e.resourceId)).toEqual([person]);
    // A console page's worth of users and more: the ids go in as one parameter, not one each (D1 takes 100 a statement).
    const others = Array.from({ length: 120 }, (_, i) => `u-other-${i + 1}`);
    const history = await userHistory(db, tenantId, [person, ...others]);
    expect(history.size).toBe(121);
    expect(history.get(person)).toEqual({ createdBy: 'token:tok_a', lastSignIn: mine!.entries[1]!.at });
    expect(history.get('u-other-7')).toEqual({ createdBy: null, lastSignIn: '2025-01-01T21:00:00.000Z' });
    expect(await read()).toBeLessThanOrEqual(bound(6 + others.length));
  });

  it("the last provisioning request: the newest token row, and nothing read for a tenant whose tokens were never used", async () => {
    await env.DB.prepare('UPDATE scim_tokens SET last_used_at = created_at WHERE tenant_id = ?').bind(tenantId).run();
    const unused = (await tenantWithToken()).tenant.id;
    await signIns(unused);
    const { d1, read } = rereadSelects(env.DB);
    const db = database(d1);
    expect(await latestProvisioningRequest(db, tenantId)).toMatchObject({ action: 'user.patch', outcome: 'failure', status: 409, detail: 'conflict' });
    expect(await latestProvisioningRequest(db, unused)).toBeUndefined();
    expect(await read()).toBeLessThanOrEqual(bound(2));
  });
});
