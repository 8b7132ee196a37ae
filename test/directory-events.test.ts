/**
 * The directory change log: every committed user and group change appends its events in the
 * same batch, numbered by a per-tenant gapless sequence; refused writes append none. Read through
 * the feed (`/api/v1/tenants/{slug}/events`) and the snapshot (`…/directory`).
 */
import { env, SELF } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../src/api/api-keys.ts';
import type { DirectoryEvent } from '../src/events/event-feed.ts';
import { PATCH_OP, createGroup, createUsers, patchGroup } from './support/groups.ts';
import { oktaAddMembers, oktaNewGroup, oktaSetActive } from './support/okta-bodies.ts';
import { db, oktaNewUser, tenantRow, tenantWithToken, type ScimClient } from './support/tenants.ts';

/** An event with the `data` shapes of the catalogue. */
type Event = DirectoryEvent & {
  data: { object?: Record<string, unknown> & { id: string; meta: { version: string; location: string } }; changed?: string[]; group?: { id: string; displayName: string; version: string }; user?: { id: string; userName: string } };
};

const operatorKey = (async () => (await createApiKey(db(), 'events-test')).key)();

async function api(path: string, key?: string): Promise<Response> {
  return SELF.fetch(`https://edge.test/api/v1${path}`, { headers: { authorization: `Bearer ${key ?? (await operatorKey)}` } });
}

async function feed(slug: string, after = 0, limit = 500): Promise<{ data: Event[]; next: number }> {
  const res = await api(`/tenants/${slug}/events?after=${after}&limit=${limit}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

async function noContent(response: Promise<Response>): Promise<void> {
  const res = await response;
  expect(res.status, await res.text()).toBe(204);
}

const typesOf = (events: Event[]) => events.map((e) => e.type);

async function json<T>(res: Response, status: number): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

describe('the change log of SCIM writes', () => {
  it("Okta's lifecycle: exactly its events, in order, numbered 1, 2, 3… with each object as GET returns it", async () => {
    const t = await tenantWithToken();
    const user = await json<{ id: string }>(await t.scim.post('/Users', oktaNewUser('ada.lovelace@acme.com')), 201);
    const other = await json<{ id: string }>(await t.scim.post('/Users', oktaNewUser('alan.turing@acme.com')), 201);
    await json(await t.scim.patch(`/Users/${user.id}`, oktaSetActive(false)), 200);
    await json(await t.scim.patch(`/Users/${user.id}`, oktaSetActive(false)), 200); // a re-send changes nothing
    await json(await t.scim.patch(`/Users/${user.id}`, oktaSetActive(true)), 200);
    await json(await t.scim.put(`/Users/${user.id}`, oktaNewUser('ada.lovelace@acme.com', { displayName: 'Ada King', externalId: 'ext-ada' })), 200);
    const afterPut = await json<Record<string, unknown>>(await t.scim.get(`/Users/${user.id}`), 200);
    const group = await json<{ id: string }>(await t.scim.post('/Groups', oktaNewGroup('Engineering')), 201);
    await noContent(t.scim.patch(`/Groups/${group.id}`, oktaAddMembers([{ value: user.id, display: 'Ada' }, { value: other.id, display: 'Alan' }])));
    await noContent(t.scim.patch(`/Groups/${group.id}`, oktaAddMembers([{ value: user.id, display: 'Ada' }]))); // already a member
    await noContent(patchGroup(t.scim, group.id, [{ op: 'remove', path: `members[value eq "${other.id}"]` }]));
    await noContent(patchGroup(t.scim, group.id, [{ op: 'replace', value: { id: group.id, displayName: 'Eng' } }]));
    expect((await t.scim.delete(`/Groups/${group.id}`)).status).toBe(204);
    expect((await t.scim.delete(`/Users/${other.id}`)).status).toBe(204);

    const { data: events, next } = await feed(t.slug);
    expect(typesOf(events)).toEqual([
      'user.created',
      'user.created',
      'user.deactivated',
      'user.reactivated',
      'user.updated',
      'group.created',
      'group.user_added',
      'group.user_added',
      'group.user_removed',
      'group.updated',
      'group.deleted',
      'user.deleted',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(next).toBe(events.length);
    for (const event of events) {
      expect(event).toMatchObject({ tenant: t.slug, actor: `scim:${t.tokenId}` });
      expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(Date.parse(event.occurredAt)).not.toBeNaN();
    }
    // The object is what GET returns after the change, less its memberships; `changed` names what moved.
    const { groups: _memberships, ...withoutGroups } = afterPut;
    expect(events[4]!.data.object).toEqual(withoutGroups);
    expect(events[4]!.data.changed).toEqual(['displayName', 'externalId']);
    expect(events[2]!.data).toMatchObject({ changed: ['active'], object: { id: user.id, active: false } });
    expect(events[0]!.data.object).not.toHaveProperty('password');
    expect(events[0]!.data.object!.meta.location).toBe(`${t.scim.base}/Users/${user.id}`);
    expect(events[6]!.data).toEqual({ group: { id: group.id, displayName: 'Engineering', version: 'W/"2"' }, user: { id: [user.id, other.id].sort()[0], userName: expect.any(String) } });
    expect(events[8]!.data).toEqual({ group: { id: group.id, displayName: 'Engineering', version: 'W/"3"' }, user: { id: other.id, userName: 'alan.turing@acme.com' } });
    expect(events[9]!.data).toMatchObject({ changed: ['displayName'], object: { displayName: 'Eng', meta: { version: 'W/"4"' } } });
    expect(events[9]!.data.object).not.toHaveProperty('members');
    // A delete carries the last state.
    expect(events[11]!.data.object).toMatchObject({ id: other.id, userName: 'alan.turing@acme.com' });
  });

  it('a group created with members: group.created first, then one group.user_added per member; a full replace names who left and who came', async () => {
    const t = await tenantWithToken();
    const [a, b, c] = await createUsers(t.scim, 3);
    const group = await createGroup(t.scim, 'Admins', [a!.id, b!.id, a!.id]);
    const before = (await feed(t.slug)).next;
    expect((await t.scim.put(`/Groups/${group.id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Admins', members: [{ value: b!.id }, { value: c!.id }] })).status).toBe(200);
    const { data } = await feed(t.slug);
    expect(typesOf(data.slice(3, before))).toEqual(['group.created', 'group.user_added', 'group.user_added']);
    expect(data.slice(before).map((e) => `${e.type} ${e.data.user!.id}`)).toEqual([`group.user_removed ${a!.id}`, `group.user_added ${c!.id}`]);
  });

  it("Entra's shapes: string booleans, several operations in one PATCH, member adds and removes with value arrays", async () => {
    const t = await tenantWithToken();
    const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const jane = await json<{ id: string }>(await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE], userName: 'jane@contoso.com', active: true, externalId: 'jane', [ENTERPRISE]: { department: 'Finance' } }), 201);
    const john = await json<{ id: string }>(await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'john@contoso.com', active: true }), 201);
    const userPatch = (id: string, Operations: unknown[]) => t.scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations });
    await json(await userPatch(jane.id, [{ op: 'Replace', path: 'displayName', value: 'Jane Q.' }, { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' }]), 200);
    await json(await userPatch(jane.id, [{ op: 'Replace', path: 'active', value: 'False' }]), 200);
    await json(await userPatch(jane.id, [{ op: 'Replace', value: { active: 'True', [`${ENTERPRISE}:department`]: 'Treasury' } }]), 200);
    const group = await createGroup(t.scim, 'Contoso Finance', [], { externalId: 'grp-1' });
    await noContent(patchGroup(t.scim, group.id, [{ op: 'Add', path: 'members', value: [{ value: jane.id }, { value: john.id }] }]));
    await noContent(patchGroup(t.scim, group.id, [{ op: 'Remove', path: 'members', value: [{ value: john.id }] }]));
    await noContent(patchGroup(t.scim, group.id, [{ op: 'Replace', path: 'displayName', value: 'Contoso Treasury' }]));
    const { data } = await feed(t.slug);
    expect(data.map((e) => [e.type, e.data.changed ?? e.data.user!.id])).toEqual([
      ['user.created', ['active', 'externalId', 'schemas', ENTERPRISE, 'userName'].sort()],
      ['user.created', ['active', 'schemas', 'userName']],
      ['user.updated', ['displayName', ENTERPRISE].sort()],
      ['user.deactivated', ['active']],
      ['user.reactivated', ['active', ENTERPRISE].sort()],
      ['group.created', ['displayName', 'externalId', 'schemas']],
      ...[jane.id, john.id].sort().map((id) => ['group.user_added', id]),
      ['group.user_removed', john.id],
      ['group.updated', ['displayName']],
    ]);
    expect(data.map((e) => e.seq)).toEqual(data.map((_, i) => i + 1));
    expect(data[3]!.data.object).toMatchObject({ active: false, [ENTERPRISE]: { department: 'Finance', employeeNumber: '701984' } });
  });

  it('refused writes append nothing: 400, 401, 404, 409, 412', async () => {
    const t = await tenantWithToken();
    const user = await json<{ id: string }>(await t.scim.post('/Users', oktaNewUser('grace.hopper@acme.com')), 201);
    const seen = (await feed(t.slug)).next;
    expect((await t.scim.post('/Users', oktaNewUser('grace.hopper@acme.com'))).status).toBe(409);
    expect((await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })).status).toBe(400);
    expect((await t.scim.patch(`/Users/${user.id}`, oktaSetActive(false), { 'if-match': 'W/"99"' })).status).toBe(412);
    expect((await t.scim.patch(`/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 42 }] })).status).toBe(400);
    expect((await t.scim.delete('/Users/no-such-user')).status).toBe(404);
    expect((await patchGroup(t.scim, 'no-such-group', [{ op: 'add', path: 'members', value: [{ value: user.id }] }])).status).toBe(404);
    const wrongToken = { ...t.scim, post: (path: string, body: unknown) => t.scim.request('POST', path, body, { authorization: 'Bearer scim_wrong' }) } as ScimClient;
    expect((await wrongToken.post('/Users', oktaNewUser('eve@acme.com'))).status).toBe(401);
    expect((await feed(t.slug)).data.map((e) => e.seq)).toEqual(Array.from({ length: seen }, (_, i) => i + 1));
  });

  it('a user created at sign-in (JIT) is user.created by actor "signin"', async () => {
    const t = await tenantWithToken();
    const outcome = await env.TENANT.get(env.TENANT.idFromName(t.tenant.id)).createUser({ tenantId: t.tenant.id, tenantRoles: t.tenant.roles, actor: 'oidc', baseUrl: t.scim.base, body: oktaNewUser('jit.person@acme.com') });
    expect(outcome.ok).toBe(true);
    expect((await feed(t.slug)).data.map((e) => [e.type, e.actor])).toEqual([['user.created', 'signin']]);
  });

  it('20 concurrent creates in one tenant: 20 events with consecutive seqs', async () => {
    const t = await tenantWithToken();
    const created = await createUsers(t.scim, 20, 'burst');
    const { data } = await feed(t.slug);
    expect(data.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(data.map((e) => e.data.object!.id).sort()).toEqual(created.map((u) => u.id).sort());
  });

  it("two tenants' sequences are independent and never mix; a tenant-bound key reads only its own", async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    await Promise.all([createUsers(a.scim, 5, 'a'), createUsers(b.scim, 3, 'b')]);
    const [fa, fb] = [await feed(a.slug), await feed(b.slug)];
    expect(fa.data.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(fb.data.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(new Set(fa.data.map((e) => e.tenant))).toEqual(new Set([a.slug]));
    const { key } = await createApiKey(db(), 'b-app', await tenantRow(b.slug));
    expect((await api(`/tenants/${b.slug}/events`, key)).status).toBe(200);
    const refused = await api(`/tenants/${a.slug}/events`, key);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the feed', () => {
  it('pages by after/limit; next is the last seq returned, or after when there is nothing new', async () => {
    const t = await tenantWithToken();
    await createUsers(t.scim, 5, 'page');
    const first = await feed(t.slug, 0, 2);
    expect(first.data.map((e) => e.seq)).toEqual([1, 2]);
    expect(first.next).toBe(2);
    expect((await feed(t.slug, first.next, 2)).data.map((e) => e.seq)).toEqual([3, 4]);
    expect(await feed(t.slug, 5, 2)).toEqual({ data: [], next: 5 });
    expect((await json<{ data: Event[] }>(await api(`/tenants/${t.slug}/events`), 200)).data).toHaveLength(5);
  });

  it('bad cursors and limits are 400 problems naming the parameter', async () => {
    const t = await tenantWithToken();
    for (const query of ['after=-1', 'after=x', 'limit=0', 'limit=501', 'limit=2.5']) {
      const res = await api(`/tenants/${t.slug}/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toMatch(query.startsWith('after') ? /^after: / : /^limit: /);
    }
  });
});

/**
 * The directory a consumer holds: objects by id, memberships as `group|user`. A resource's
 * `meta.version` and `lastModified` also move when what it shows of others changes (a user's
 * `groups`, a group's member `display`), which is no event of its own: they are left out.
 */
interface Mirror {
  users: Map<string, Record<string, unknown>>;
  groups: Map<string, Record<string, unknown>>;
  memberships: Set<string>;
}

function attributesOf(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...attributes } = resource as { meta: Record<string, unknown> };
  const { version: _version, lastModified: _lastModified, ...fixed } = meta;
  return { ...attributes, meta: fixed };
}

async function snapshot(slug: string, limit: number): Promise<{ seq: number; mirror: Mirror }> {
  const mirror: Mirror = { users: new Map(), groups: new Map(), memberships: new Set() };
  let cursor: string | null = null;
  let seq: number | undefined;
  do {
    const page: { seq: number; users: { id: string }[]; groups: { id: string }[]; memberships: { groupId: string; userId: string }[]; next: string | null } = await json(
      await api(`/tenants/${slug}/directory?as_of=latest&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`),
      200,
    );
    seq ??= page.seq;
    expect(page.seq).toBe(seq);
    for (const u of page.users) mirror.users.set(u.id, attributesOf(u));
    for (const g of page.groups) mirror.groups.set(g.id, attributesOf(g));
    for (const m of page.memberships) mirror.memberships.add(`${m.groupId}|${m.userId}`);
    cursor = page.next;
  } while (cursor);
  return { seq: seq!, mirror };
}

/** Applies events as the README tells a consumer to. */
function apply(mirror: Mirror, events: Event[]): void {
  for (const e of events) {
    const [kind, action] = e.type.split('.') as ['user' | 'group', string];
    const objects = kind === 'user' ? mirror.users : mirror.groups;
    if (action === 'user_added') mirror.memberships.add(`${e.data.group!.id}|${e.data.user!.id}`);
    else if (action === 'user_removed') mirror.memberships.delete(`${e.data.group!.id}|${e.data.user!.id}`);
    else if (action === 'deleted') {
      objects.delete(e.data.object!.id);
      // A deleted user leaves every group; a deleted group loses every member.
      for (const m of mirror.memberships) if (m.split('|')[kind === 'user' ? 1 : 0] === e.data.object!.id) mirror.memberships.delete(m);
    } else if (action !== 'signed_in') objects.set(e.data.object!.id, attributesOf(e.data.object!));
  }
}

async function mixedWorkload(scim: ScimClient, round: number): Promise<void> {
  const people = await createUsers(scim, 4, `mix${round}`);
  const group = await createGroup(scim, `Team ${round}`, [people[0]!.id, people[1]!.id]);
  await scim.patch(`/Users/${people[2]!.id}`, oktaSetActive(false));
  await patchGroup(scim, group.id, [
    { op: 'add', path: 'members', value: [{ value: people[3]!.id }] },
    { op: 'remove', path: `members[value eq "${people[0]!.id}"]` },
  ]);
  await scim.delete(`/Users/${people[1]!.id}`);
  if (round % 2) await scim.delete(`/Groups/${group.id}`);
}

describe('the snapshot', () => {
  it('snapshot, then the feed from its seq, equals the directory after a mixed workload', async () => {
    const t = await tenantWithToken();
    await mixedWorkload(t.scim, 1);
    await mixedWorkload(t.scim, 2);
    const taken = await snapshot(t.slug, 2);
    await mixedWorkload(t.scim, 3);
    await mixedWorkload(t.scim, 4);
    apply(taken.mirror, (await feed(t.slug, taken.seq)).data);
    const now = await snapshot(t.slug, 500);
    expect(taken.mirror).toEqual(now.mirror);
    // And the whole feed from nothing rebuilds it too.
    const rebuilt: Mirror = { users: new Map(), groups: new Map(), memberships: new Set() };
    apply(rebuilt, (await feed(t.slug, 0)).data);
    expect(rebuilt).toEqual(now.mirror);
  });

  it("a cursor it did not hand out, or handed out for another tenant, is a 400 problem; a hostile one is a 400 or a page, never a 500", async () => {
    const t = await tenantWithToken();
    const other = await tenantWithToken();
    const res = await api(`/tenants/${t.slug}/directory?cursor=bm90LWEtY3Vyc29y`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^cursor: /);
    expect((await api(`/tenants/${t.slug}/directory?as_of=yesterday`)).status).toBe(400);
    const foreign = ((await json<{ next: string }>(await api(`/tenants/${other.slug}/directory?limit=1`), 200)).next);
    expect((await api(`/tenants/${t.slug}/directory?cursor=${foreign}`)).status).toBe(400);
    const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.record({ tenant: fc.constant(t.tenant.id), seq: fc.anything(), phase: fc.constantFrom('users', 'groups', 'memberships', 'admins'), after: fc.anything(), afterUser: fc.anything() }).map(encode),
          fc.jsonValue().map(encode),
        ),
        async (cursor) => {
          const answer = await api(`/tenants/${t.slug}/directory?cursor=${encodeURIComponent(cursor)}`);
          expect([200, 400]).toContain(answer.status);
          await answer.body?.cancel();
        },
      ),
      { numRuns: 60 },
    );
  });
});
