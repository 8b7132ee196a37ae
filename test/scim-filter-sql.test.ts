import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { groupMembers, groups, tenants, userEmails, users, type StoredData } from '../src/db/schema.ts';
import { ScimError } from '../src/http/errors.ts';
import type { Filter } from '../src/scim/filter/ast.ts';
import { matchesFilter } from '../src/scim/filter/evaluate.ts';
import { foldCase } from '../src/common/fold-case.ts';
import { parseFilter } from '../src/scim/filter/parser.ts';
import { printFilter } from '../src/scim/filter/print.ts';
import { resourceResolver } from '../src/scim/filter/resolve.ts';
import { filterToSql, MAX_FILTER_PARAMETERS, MAX_FILTER_TERMS, sortColumn } from '../src/scim/filter/to-sql.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const db = database(env.DB);
const TENANT = crypto.randomUUID();
const OTHER_TENANT = crypto.randomUUID();

type Json = Record<string, unknown>;
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
interface Email {
  value: string;
  type?: string;
  primary?: boolean;
}
interface UserSpec {
  userName: string;
  displayName?: string;
  externalId?: string;
  active: boolean;
  title?: string;
  name?: Json;
  emails?: Email[];
  phoneNumbers?: Json[];
  roles?: Json[];
  enterprise?: Json;
}

const id = {
  bjensen: crypto.randomUUID(),
  jsmith: crypto.randomUUID(),
  emile: crypto.randomUUID(),
  zoe: crypto.randomUUID(),
  admins: crypto.randomUUID(),
  guides: crypto.randomUUID(),
  empty: crypto.randomUUID(),
};

const NAMED: [string, UserSpec][] = [
  [
    id.bjensen,
    {
      userName: 'bjensen',
      displayName: 'Barbara Jensen',
      externalId: 'ext-1',
      active: true,
      title: 'Tour Guide',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
      roles: [{ value: 'Admin', primary: true }, { value: 'editor' }],
      enterprise: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: id.jsmith } },
    },
  ],
  [
    id.jsmith,
    {
      userName: 'JSmith',
      displayName: 'John Smith',
      externalId: 'EXT-2',
      active: false,
      title: 'Vice President',
      name: { givenName: 'John', familyName: 'Smith' },
      emails: [{ value: 'John.Smith@Example.com', type: 'work' }],
      enterprise: { employeeNumber: '12345' },
    },
  ],
  [
    id.emile,
    {
      userName: 'émile',
      displayName: 'Émile Zola',
      active: true,
      name: { familyName: 'Zola' },
      emails: [{ value: 'ÉMILE@exemple.fr', type: 'Work' }],
    },
  ],
  [id.zoe, { userName: 'zoë', active: true, title: '', emails: [], roles: [] }],
];

const TITLES = [undefined, 'Engineer', 'engineer', 'Señor Dev', 'Tour Guide', '50% off_\\'];
const GIVEN = ['Ann', 'bob', 'Chloé', 'Dmitri', 'EVE', 'Fay'];

// Deterministic variety: case variants, missing values, several emails, extension attributes.
const GENERATED: [string, UserSpec][] = Array.from({ length: 24 }, (_, i) => {
  const given = GIVEN[i % GIVEN.length]!;
  const emails: Email[] = [];
  if (i % 3 !== 0) emails.push({ value: `${given}.${i}@Corp.example`, type: i % 2 === 0 ? 'work' : 'home', ...(i % 4 === 1 ? { primary: true } : {}) });
  if (i % 5 === 0) emails.push({ value: `${given}${i}@mail.example`, type: 'other', primary: false });
  const spec: UserSpec = {
    userName: i % 5 === 0 ? `USER${i}` : `user${i}`,
    active: i % 2 === 0,
    name: i % 4 === 3 ? { familyName: `Fam${i % 3}` } : { givenName: given, familyName: `Fam${i % 3}` },
    emails,
  };
  if (i % 3 !== 0) spec.displayName = `${given} ${i % 7}`;
  if (i % 4 !== 0) spec.externalId = `x${i}`;
  const title = TITLES[i % TITLES.length];
  if (title !== undefined) spec.title = title;
  if (i % 6 === 2) spec.phoneNumbers = [{ value: `+1 555 ${i}`, type: 'mobile' }];
  if (i % 7 === 3) spec.roles = [{ value: i % 2 === 0 ? 'viewer' : 'EDITOR', ...(i % 3 === 0 ? { primary: true } : {}) }];
  if (i % 2 === 1) spec.enterprise = { employeeNumber: String(1000 + i), ...(i % 3 === 1 ? { manager: { value: id.bjensen } } : {}) };
  return [crypto.randomUUID(), spec];
});

const USERS = [...NAMED, ...GENERATED];
const GROUPS: [string, string, string | undefined, string[]][] = [
  [id.admins, 'Admins', 'g-1', [id.bjensen, id.jsmith]],
  [id.guides, 'Tour Guides', undefined, [id.bjensen, ...GENERATED.filter((_, i) => i % 4 === 2).map(([userId]) => userId)]],
  [id.empty, 'Empty', 'G-3', []],
];

function userData(spec: UserSpec): StoredData {
  const { enterprise, ...core } = spec;
  const data: StoredData = { schemas: [CORE_USER], ...core };
  if (enterprise) data[ENTERPRISE] = enterprise;
  return data;
}

const time = (i: number, offsetMinutes = 0) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000 + offsetMinutes * 60_000).toISOString();

/** Users and groups as the API renders them, for the in-memory evaluator. */
const userResources: Json[] = [];
const groupResources: Json[] = [];

beforeAll(async () => {
  const at = new Date().toISOString();
  for (const [tenantId, slug] of [[TENANT, 'filters-a'], [OTHER_TENANT, 'filters-b']] as const) {
    await db.insert(tenants).values({ id: tenantId, slug, name: slug, roles: ['viewer'], defaultRole: 'viewer', createdAt: at, updatedAt: at });
  }
  for (const [i, [userId, spec]] of USERS.entries()) {
    const data = userData(spec);
    const created = time(i);
    const lastModified = time(i, 90 - 7 * (i % 13));
    await db.insert(users).values({
      id: userId,
      tenantId: TENANT,
      userName: spec.userName,
      externalId: spec.externalId ?? null,
      displayName: spec.displayName ?? null,
      active: spec.active,
      data,
      createdAt: created,
      updatedAt: lastModified,
    });
    for (const [position, email] of (spec.emails ?? []).entries()) {
      await db.insert(userEmails).values({ tenantId: TENANT, userId, position, value: foldCase(email.value), type: email.type ?? null, primary: email.primary === true });
    }
    userResources.push({ ...data, id: userId, meta: { resourceType: 'User', created, lastModified }, groups: [] });
  }
  for (const [i, [groupId, displayName, externalId, members]] of GROUPS.entries()) {
    const created = time(100 + i);
    await db.insert(groups).values({
      id: groupId,
      tenantId: TENANT,
      displayName,
      externalId: externalId ?? null,
      data: { schemas: [CORE_GROUP], displayName, ...(externalId ? { externalId } : {}) },
      createdAt: created,
      updatedAt: created,
    });
    for (const userId of members) {
      await db.insert(groupMembers).values({ tenantId: TENANT, groupId, userId, createdAt: created });
      const user = userResources.find((u) => u.id === userId)!;
      (user.groups as Json[]).push({ value: groupId, display: displayName, type: 'direct' });
    }
    groupResources.push({ displayName, ...(externalId ? { externalId } : {}), id: groupId, meta: { created, lastModified: created }, members: members.map((value) => ({ value })) });
  }
  // Another tenant with look-alike data, which no filter of TENANT may return.
  const strangerId = crypto.randomUUID();
  const strangerGroup = crypto.randomUUID();
  await db.insert(users).values({
    id: strangerId,
    tenantId: OTHER_TENANT,
    userName: 'bjensen',
    externalId: 'ext-1',
    displayName: 'Barbara Jensen',
    active: true,
    data: userData(NAMED[0]![1]),
    createdAt: at,
    updatedAt: at,
  });
  await db.insert(userEmails).values({ tenantId: OTHER_TENANT, userId: strangerId, position: 0, value: 'bjensen@example.com', type: 'work', primary: true });
  await db.insert(groups).values({ id: strangerGroup, tenantId: OTHER_TENANT, displayName: 'Admins', data: { schemas: [CORE_GROUP], displayName: 'Admins' }, createdAt: at, updatedAt: at });
  await db.insert(groupMembers).values({ tenantId: OTHER_TENANT, groupId: strangerGroup, userId: strangerId, createdAt: at });
});

function tableOf(resourceType: ResourceTypeDefinition) {
  return resourceType === GROUP_RESOURCE_TYPE ? groups : users;
}

function selectMatching(resourceType: ResourceTypeDefinition, filter: Filter) {
  const table = tableOf(resourceType);
  return db
    .select({ id: table.id })
    .from(table)
    .where(filterToSql(resourceType, filter, TENANT));
}

async function sqlIds(resourceType: ResourceTypeDefinition, filter: Filter): Promise<string[]> {
  const rows = await selectMatching(resourceType, filter).all();
  return rows.map((row) => row.id).sort();
}

function memoryIds(resourceType: ResourceTypeDefinition, filter: Filter): string[] {
  const resources = resourceType === GROUP_RESOURCE_TYPE ? groupResources : userResources;
  const resolve = resourceResolver(resourceType);
  return resources
    .filter((resource) => matchesFilter(filter, resource, resolve))
    .map((resource) => resource.id as string)
    .sort();
}

const nameOf = new Map<string, string>([...USERS.map(([x, spec]): [string, string] => [x, spec.userName]), ...GROUPS.map(([x, name]): [string, string] => [x, name])]);
const label = (ids: string[]): string[] => ids.map((x) => nameOf.get(x) ?? x).sort();

const generatedWhere = (test: (spec: UserSpec, i: number) => boolean) => GENERATED.filter(([, spec], i) => test(spec, i)).map(([, spec]) => spec.userName);

describe('hand-written filters against D1 and in memory', () => {
  const userCases: [string, string[]][] = [
    ['userName eq "bjensen"', ['bjensen']],
    ['userName eq "BJENSEN"', ['bjensen']],
    ['userName eq "jsmith"', ['JSmith']],
    ['userName eq "ÉMILE"', []],
    ['userName eq "émile"', ['émile']],
    ['userName sw "user1"', ['user1', 'USER10', 'user11', 'user12', 'user13', 'user14', 'USER15', 'user16', 'user17', 'user18', 'user19']],
    ['userName ew "0"', ['USER0', 'USER10', 'USER20']],
    ['externalId eq "ext-1"', ['bjensen']],
    ['externalId eq "EXT-1"', []],
    ['externalId eq ext-1', ['bjensen']],
    ['externalId eq "x13" or externalId eq x14', ['user13', 'user14']],
    ['displayName eq "barbara jensen"', ['bjensen']],
    ['displayName co "JENSEN"', ['bjensen']],
    ['name.familyName eq "jensen"', ['bjensen']],
    ['name.givenName pr and name.familyName eq "Fam0"', generatedWhere((s, i) => i % 3 === 0 && i % 4 !== 3)],
    ['title eq "engineer"', generatedWhere((s) => s.title?.toLowerCase() === 'engineer')],
    ['title co "50% off_\\\\"', generatedWhere((s) => s.title === '50% off_\\')],
    ['title co "%"', generatedWhere((s) => s.title === '50% off_\\')],
    ['title sw "señor"', generatedWhere((s) => s.title === 'Señor Dev')],
    ['title pr and title ew "guide"', ['bjensen', ...generatedWhere((s) => s.title === 'Tour Guide')]],
    ['emails[type eq "work"].value eq "john.smith@example.com"', ['JSmith']],
    ['emails[type eq "WORK" and value eq "JOHN.SMITH@EXAMPLE.COM"]', ['JSmith']],
    ['emails[value eq "babs@jensen.org" and type eq "home"]', ['bjensen']],
    ['emails[type eq "work"].value eq "babs@jensen.org"', []],
    ['emails.value eq "BJENSEN@example.com"', ['bjensen']],
    ['emails eq "babs@jensen.org"', ['bjensen']],
    // caseExact=false folds ASCII only, like SQLite lower() and the userName index: É and é differ.
    ['emails.value eq "émile@exemple.fr"', []],
    ['emails.value eq "Émile@EXEMPLE.fr"', ['émile']],
    ['emails[type eq "work" and primary eq true]', ['bjensen']],
    ['emails[type eq "work"] and emails[type eq "home"]', ['bjensen', ...generatedWhere((s) => (s.emails ?? []).some((e) => e.type === 'work') && (s.emails ?? []).some((e) => e.type === 'home'))]],
    ['emails co "@jensen."', ['bjensen']],
    ['emails pr and userName sw "j"', ['JSmith']],
    ['not (emails pr) and userName sw "z"', ['zoë']],
    ['phoneNumbers[type eq "work"].value eq "555-555-8377"', ['bjensen']],
    ['roles.value eq "admin"', ['bjensen']],
    ['roles.value eq "editor"', ['bjensen', ...generatedWhere((s) => s.roles?.[0]?.value === 'EDITOR')]],
    ['roles eq "VIEWER"', generatedWhere((s) => s.roles?.[0]?.value === 'viewer')],
    ['roles[primary eq true and value eq "admin"]', ['bjensen']],
    ['roles pr', ['bjensen', ...generatedWhere((s) => s.roles !== undefined)]],
    ['not (roles.value eq "editor") and userName sw "b"', []],
    ['not (roles pr) and userName eq "zoë"', ['zoë']],
    ['roles.value eq "admin" or groups.value eq "' + id.admins + '"', ['JSmith', 'bjensen']],
    [`${ENTERPRISE}:employeeNumber eq "701984"`, ['bjensen']],
    ['employeeNumber eq 12345', ['JSmith']],
    [`${ENTERPRISE}:manager.value eq "${id.jsmith}"`, ['bjensen']],
    [`${CORE_USER}:userName eq "bjensen"`, ['bjensen']],
    [`groups.value eq "${id.admins}"`, ['JSmith', 'bjensen']],
    [`groups eq "${id.admins.toUpperCase()}"`, ['JSmith', 'bjensen']],
    [`groups[value eq "${id.guides}"] and active eq false`, generatedWhere((s, i) => i % 4 === 2 && !s.active)],
    ['groups.display eq "admins"', ['JSmith', 'bjensen']],
    ['groups[display sw "tour" and type eq "direct"] and userName eq "bjensen"', ['bjensen']],
    [`id eq "${id.zoe}"`, ['zoë']],
    ['active eq false and userName sw "j"', ['JSmith']],
    ['active eq "False" and userName sw "j"', ['JSmith']],
    [`meta.created lt "${time(2)}" `, ['JSmith', 'bjensen']],
    [`meta.created le "${time(1).slice(0, 19)}+00:00"`, ['JSmith', 'bjensen']],
    [`meta.created eq "${time(2).replace('.000', '')}"`, ['émile']],
    [`meta.lastModified gt "${time(USERS.length + 1)}"`, []],
    [`meta.lastModified gt "${time(USERS.length - 1, 60)}"`, [USERS.at(-1)![1].userName]],
  ];

  it.each(userCases)('Users: %s', async (text, expected) => {
    const filter = parseFilter(text);
    expect(label(await sqlIds(USER_RESOURCE_TYPE, filter))).toEqual([...expected].sort());
    expect(label(memoryIds(USER_RESOURCE_TYPE, filter))).toEqual([...expected].sort());
  });

  const groupCases: [string, string[]][] = [
    ['displayName eq "ADMINS"', ['Admins']],
    ['displayName sw "tour"', ['Tour Guides']],
    ['externalId eq "G-3"', ['Empty']],
    ['externalId pr', ['Admins', 'Empty']],
    ['not (externalId pr)', ['Tour Guides']],
    [`members.value eq "${id.jsmith}"`, ['Admins']],
    [`members[value eq "${id.bjensen}"]`, ['Admins', 'Tour Guides']],
    [`members eq "${id.bjensen}" and not (displayName eq "admins")`, ['Tour Guides']],
    ['members pr', ['Admins', 'Tour Guides']],
    ['not (members pr)', ['Empty']],
  ];

  it.each(groupCases)('Groups: %s', async (text, expected) => {
    const filter = parseFilter(text);
    expect(label(await sqlIds(GROUP_RESOURCE_TYPE, filter))).toEqual([...expected].sort());
    expect(label(memoryIds(GROUP_RESOURCE_TYPE, filter))).toEqual([...expected].sort());
  });

  it('absent attributes: eq is false, ne and not (eq) are true, and every resource lands on one side', async () => {
    for (const text of ['title eq "Engineer"', 'nickName eq "x"', 'emails.type eq "work"', 'displayName co "a"', `${ENTERPRISE}:manager.value pr`]) {
      const filter = parseFilter(text);
      const yes = await sqlIds(USER_RESOURCE_TYPE, filter);
      const no = await sqlIds(USER_RESOURCE_TYPE, { kind: 'not', filter });
      expect([...yes, ...no].sort()).toEqual(USERS.map(([x]) => x).sort());
      if (filter.kind === 'compare' && filter.op === 'eq') expect(await sqlIds(USER_RESOURCE_TYPE, { ...filter, op: 'ne' })).toEqual(no);
    }
    expect(await sqlIds(USER_RESOURCE_TYPE, parseFilter('nickName ne "x"'))).toHaveLength(USERS.length);
    expect(await sqlIds(USER_RESOURCE_TYPE, parseFilter('title eq null'))).toEqual(memoryIds(USER_RESOURCE_TYPE, parseFilter('not (title pr)')));
  });

  const refused: [ResourceTypeDefinition, string, RegExp][] = [
    [USER_RESOURCE_TYPE, 'nosuch eq "x"', /"nosuch": no such attribute/],
    [USER_RESOURCE_TYPE, 'name.nosuch eq "x"', /"name\.nosuch": no such attribute/],
    [USER_RESOURCE_TYPE, 'password eq "secret"', /never returned/],
    [USER_RESOURCE_TYPE, 'name eq "x"', /complex attribute/],
    [USER_RESOURCE_TYPE, 'active gt true', /"gt" does not apply to a boolean/],
    [USER_RESOURCE_TYPE, 'active eq "yes"', /boolean/],
    [USER_RESOURCE_TYPE, 'meta.created eq "yesterday"', /dateTime/],
    [USER_RESOURCE_TYPE, 'meta.created co "2024"', /"co" does not apply to a dateTime/],
    [USER_RESOURCE_TYPE, 'meta.version eq "1"', /only meta\.created and meta\.lastModified/],
    [USER_RESOURCE_TYPE, 'x509Certificates.value eq "AAAA"', /binary/],
    [USER_RESOURCE_TYPE, 'userName gt null', /"gt null" has no meaning/],
    [USER_RESOURCE_TYPE, 'title[value eq "x"]', /brackets apply only to multi-valued complex/],
    [USER_RESOURCE_TYPE, 'emails[nosuch eq "x"]', /"nosuch": no such attribute/],
    [USER_RESOURCE_TYPE, 'groups.$ref pr', /membership/],
    [GROUP_RESOURCE_TYPE, 'members.display eq "x"', /membership/],
    [GROUP_RESOURCE_TYPE, 'userName eq "x"', /no such attribute/],
    [GROUP_RESOURCE_TYPE, `${ENTERPRISE}:employeeNumber eq "1"`, /no such attribute/],
  ];

  it.each(refused)('%s: "%s" is 400 invalidFilter in SQL and in memory', (resourceType, text, message) => {
    const filter = parseFilter(text);
    const expected = expect.objectContaining({ status: 400, scimType: 'invalidFilter', message: expect.stringMatching(message) });
    expect(() => filterToSql(resourceType, filter, TENANT)).toThrow(expected);
    if (!/membership|only meta/.test(message.source)) expect(() => matchesFilter(filter, {}, resourceResolver(resourceType))).toThrow(expected);
  });
});

describe('limits', () => {
  it(`runs a filter with ${MAX_FILTER_PARAMETERS} bound values on D1, and refuses more`, async () => {
    // A membership lookup binds two values (tenant, id): the most values per comparison.
    const lookups = Array.from({ length: MAX_FILTER_PARAMETERS / 2 }, (_, i) => `groups.value eq "${i === 0 ? id.empty : crypto.randomUUID()}"`);
    expect(await sqlIds(USER_RESOURCE_TYPE, parseFilter(lookups.join(' or ')))).toEqual([]);
    expect(await sqlIds(USER_RESOURCE_TYPE, parseFilter([...lookups.slice(1), `userName eq "bjensen"`].join(' or ')))).toEqual([id.bjensen]);
    expect(() => filterToSql(USER_RESOURCE_TYPE, parseFilter([...lookups, 'userName eq "bjensen"'].join(' or ')), TENANT)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter', message: expect.stringMatching(/too many values/) }),
    );
  });

  it(`runs the deepest filter with ${MAX_FILTER_TERMS} comparisons on D1, and refuses more`, async () => {
    const deep = `${'not ('.repeat(30)}emails[type co "w" and not (value ew "x")]${')'.repeat(30)}`;
    const terms = Array.from({ length: MAX_FILTER_TERMS - 2 }, (_, i) => `${i % 2 ? 'title' : 'name.familyName'} pr`);
    for (const joiner of [' and ', ' or ']) {
      const widest = parseFilter([deep, ...terms].join(joiner));
      expect(await sqlIds(USER_RESOURCE_TYPE, widest)).toEqual(memoryIds(USER_RESOURCE_TYPE, widest));
    }
    expect(() => filterToSql(USER_RESOURCE_TYPE, parseFilter([deep, ...terms, 'title pr'].join(' or ')), TENANT)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter', message: expect.stringMatching(/more than 50 comparisons/) }),
    );
  });
});

describe('query plans', () => {
  async function plan(resourceType: ResourceTypeDefinition, text: string): Promise<string> {
    const query = selectMatching(resourceType, parseFilter(text)).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    return results.map((row) => row.detail).join('\n');
  }

  const indexed: [ResourceTypeDefinition, string, RegExp][] = [
    [USER_RESOURCE_TYPE, 'userName eq "BJensen"', /SEARCH users USING INDEX users_tenant_username \(tenant_id=\? AND <expr>=\?\)/],
    [USER_RESOURCE_TYPE, 'externalId eq "ext-1"', /SEARCH users USING INDEX users_tenant_external_id \(tenant_id=\? AND external_id=\?\)/],
    [USER_RESOURCE_TYPE, 'displayName eq "Barbara Jensen"', /SEARCH users USING INDEX users_tenant_display_name \(tenant_id=\? AND <expr>=\?\)/],
    [USER_RESOURCE_TYPE, 'emails[type eq "work"].value eq "x@y"', /SEARCH user_emails USING INDEX user_emails_tenant_value \(tenant_id=\? AND value=\?\)/],
    [USER_RESOURCE_TYPE, 'emails.value eq "x@y"', /SEARCH user_emails USING (?:COVERING )?INDEX user_emails_tenant_value/],
    [USER_RESOURCE_TYPE, `groups.value eq "${id.admins}"`, /SEARCH group_members USING (?:PRIMARY KEY|INDEX sqlite_autoindex_group_members_1) \(group_id=\?\)/],
    [GROUP_RESOURCE_TYPE, `members.value eq "${id.bjensen}"`, /SEARCH group_members USING INDEX group_members_user \(user_id=\?\)/],
    [GROUP_RESOURCE_TYPE, 'displayName eq "admins"', /SEARCH groups USING INDEX groups_tenant_display_name/],
    [USER_RESOURCE_TYPE, 'roles.value eq "admin"', /SEARCH users USING INDEX users_tenant_with_roles \(tenant_id=\?\)/],
    [USER_RESOURCE_TYPE, 'roles[value eq "admin" and primary eq true]', /SEARCH users USING INDEX users_tenant_with_roles \(tenant_id=\?\)/],
    [GROUP_RESOURCE_TYPE, 'externalId eq "g-1"', /SEARCH groups USING INDEX groups_tenant_external_id/],
  ];

  it.each(indexed)('%s: %s is an index search, not a table scan', async (resourceType, text, expected) => {
    const detail = await plan(resourceType, text);
    expect(detail).toMatch(expected);
    expect(detail).not.toMatch(/SCAN (users|groups|user_emails|group_members)\b/);
  });
});

describe('sortColumn', () => {
  async function sorted(sortBy: string): Promise<string[]> {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.tenantId, TENANT))
      .orderBy(sortColumn(USER_RESOURCE_TYPE, sortBy), users.seq)
      .all();
    return rows.map((row) => nameOf.get(row.id)!);
  }

  it('orders case-insensitively by columns and JSON, primary email first, insertion order for meta.created', async () => {
    const byUserName = await sorted('userName');
    expect(byUserName).toEqual([...byUserName].sort((a, b) => (foldCase(a) < foldCase(b) ? -1 : foldCase(a) > foldCase(b) ? 1 : 0)));
    expect(await sorted('meta.created')).toEqual(USERS.map(([, spec]) => spec.userName));
    const byFamily = await sorted('name.familyName');
    expect(byFamily.slice(-3)).toEqual(['bjensen', 'JSmith', 'émile']);
    const byEmail = await sorted('emails');
    expect(byEmail.indexOf('bjensen')).toBeLessThan(byEmail.indexOf('JSmith'));
    expect(await sorted(`${ENTERPRISE}:employeeNumber`)).toContain('bjensen');
  });

  const refused: [string, RegExp][] = [
    ['nosuch', /no such attribute/],
    ['password', /never returned/],
    ['groups', /memberships/],
    ['name', /complex/],
    ['meta.version', /only meta\.created/],
    ['userName eq "x"', /invalid/],
  ];

  it.each(refused)('refuses sortBy=%s with 400 invalidValue', (sortBy, message) => {
    expect(() => sortColumn(USER_RESOURCE_TYPE, sortBy)).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue', message: expect.stringMatching(message) }));
  });
});

// Random filters over the attributes the fixtures fill: D1 and the evaluator must agree exactly.
const text = (): fc.Arbitrary<string> => {
  const seen = USERS.flatMap(([, s]) => [s.userName, s.displayName, s.externalId, s.title, ...(s.emails ?? []).flatMap((e) => [e.value, e.type])]);
  const pool = [...new Set(seen.filter((v): v is string => typeof v === 'string'))];
  return fc.oneof(
    fc.constantFrom(...pool),
    fc.constantFrom(...pool).map((v) => v.toUpperCase()),
    fc.tuple(fc.constantFrom(...pool), fc.nat(6), fc.nat(6)).map(([v, a, b]) => v.slice(Math.min(a, b), Math.max(a, b) + 1)),
    fc.constantFrom('', 'work', 'home', 'e', 'É', 'ë', '%', '_', '\\', 'Fam1', '1001', 'Jensen', 'zola'),
    fc.string({ maxLength: 3 }),
  );
};
const ids = fc.constantFrom(...USERS.map(([x]) => x), ...GROUPS.map(([x]) => x), id.admins.toUpperCase(), 'nobody');
const dates = fc.oneof(
  fc.integer({ min: -2, max: USERS.length + 2 }).map((i) => time(i)),
  fc.integer({ min: 0, max: USERS.length }).map((i) => time(i, 45).replace('.000Z', '+01:00')),
);
const anyValue = fc.oneof(text(), ids, dates, fc.boolean(), fc.integer({ min: 1000, max: 1030 }), fc.constant(null));
const TEXT_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr'] as const;
const EQUALITY_OPS = ['eq', 'ne', 'pr'] as const;
const ORDER_OPS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'pr'] as const;

/** `path op value`, mostly with an operator and value the attribute's type allows, sometimes any (both sides must refuse alike). */
function leaf(paths: string[], values: fc.Arbitrary<unknown>, allowedOps: readonly string[] = TEXT_OPS): fc.Arbitrary<string> {
  const op = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...allowedOps) }, { weight: 1, arbitrary: fc.constantFrom(...TEXT_OPS) });
  const value = fc.oneof({ weight: 5, arbitrary: values }, { weight: 1, arbitrary: anyValue });
  return fc.tuple(fc.constantFrom(...paths), op, value).map(([path, o, v]) => (o === 'pr' ? `${path} pr` : `${path} ${o} ${JSON.stringify(v)}`));
}

function tree(leaves: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      leaves,
      fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
      tie('f').map((f) => `not (${f})`),
    ),
  })).f;
}

const USER_LEAVES = fc.oneof(
  leaf(['userName', 'displayName', 'externalId', 'title', 'name.familyName', 'name.givenName', 'nickName', 'emails', 'emails.value', 'emails.type', 'phoneNumbers.value', 'groups.display', 'groups.type', 'roles', 'roles.value'], fc.oneof(text(), fc.constantFrom('admin', 'Editor', 'viewer'))),
  leaf(['active', 'emails.primary'], fc.oneof(fc.boolean(), fc.constantFrom('True', 'false')), EQUALITY_OPS),
  leaf(['meta.created', 'meta.lastModified'], dates, ORDER_OPS),
  leaf(['id', 'groups.value', 'groups', `${ENTERPRISE}:manager.value`], ids),
  leaf([`${ENTERPRISE}:employeeNumber`, 'employeeNumber'], fc.oneof(fc.integer({ min: 1000, max: 1030 }), fc.constantFrom('701984', '1013'))),
  fc.tuple(fc.constantFrom('emails', 'phoneNumbers', 'roles'), tree(fc.oneof(leaf(['type', 'value', 'display'], text()), leaf(['primary'], fc.boolean(), EQUALITY_OPS)))).map(([attr, inner]) => `${attr}[${inner}]`),
  fc.tuple(tree(leaf(['value', 'display', 'type'], fc.oneof(ids, text())))).map(([inner]) => `groups[${inner}]`),
  fc.tuple(fc.constantFrom('work', 'home', 'WORK'), text()).map(([type, value]) => `emails[type eq ${JSON.stringify(type)}].value eq ${JSON.stringify(value)}`),
);

const GROUP_LEAVES = fc.oneof(
  leaf(['displayName', 'externalId'], fc.constantFrom('Admins', 'admins', 'tour', 'G-3', 'g-1', 'Empty', '')),
  leaf(['id', 'members', 'members.value'], ids),
  leaf(['meta.created'], dates, ORDER_OPS),
  tree(leaf(['value'], ids)).map((inner) => `members[${inner}]`),
);

async function agree(resourceType: ResourceTypeDefinition, filterText: string): Promise<void> {
  const filter = parseFilter(filterText);
  let inMemory: string[] | ScimError;
  let inSql: string[] | ScimError;
  try {
    inMemory = memoryIds(resourceType, filter);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    inMemory = error;
  }
  try {
    inSql = await sqlIds(resourceType, filter);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    inSql = error;
  }
  if (inMemory instanceof ScimError || inSql instanceof ScimError) {
    // Both refuse, for the same kind of reason.
    expect(inSql).toBeInstanceOf(ScimError);
    expect(inMemory).toBeInstanceOf(ScimError);
    expect([(inSql as ScimError).status, (inSql as ScimError).scimType]).toEqual([400, 'invalidFilter']);
    return;
  }
  expect({ filter: printFilter(filter), ids: label(inSql) }).toEqual({ filter: printFilter(filter), ids: label(inMemory) });
}

describe('D1 and the in-memory evaluator agree', () => {
  it('on random User filters', async () => {
    await fc.assert(fc.asyncProperty(tree(USER_LEAVES), (f) => agree(USER_RESOURCE_TYPE, f)), { numRuns: 400 });
  });

  it('on random Group filters', async () => {
    await fc.assert(fc.asyncProperty(tree(GROUP_LEAVES), (f) => agree(GROUP_RESOURCE_TYPE, f)), { numRuns: 150 });
  });
});
