/**
 * Read-only directory access for the host application: users and groups (SCIM filter, cursor
 * pages), one user with the role sign-in gives them, the change log, and the snapshot it continues.
 */
import { z } from 'zod';
import { eventsAfter } from '../../events/event-feed.ts';
import { EVENT_TYPES } from '../../events/event-log.ts';
import { ApiProblem } from '../../http/errors.ts';
import { DirectoryQueryError, directoryPage, directoryUser, type DirectoryQuery, type DirectoryResource } from '../../scim/storage/directory-pages.ts';
import { tenantScimBase } from '../../scim/wire/respond.ts';
import type { Database } from '../../db/client.ts';
import type { Tenant } from '../../tenants/tenant-store.ts';
import { snapshotPage } from '../directory-snapshot.ts';
import { operation } from '../operation.ts';
import { pageLimit, scimResource, slugParams, timestamp } from '../schemas.ts';

const listQuery = z.object({
  filter: z.string().max(4096).optional().meta({ description: 'A SCIM filter (RFC 7644 §3.4.2.2), e.g. `userName eq "ana@acme.com"` or `active eq true`.' }),
  cursor: z.string().max(2000).optional().meta({ description: "The previous page's `next`." }),
  limit: pageLimit,
});
const resourcePage = (name: string) => z.object({ data: z.array(scimResource), next: z.string().nullable().meta({ description: 'The cursor of the next page; null after the last.' }) }).meta({ id: name });

const eventSchema = z
  .object({
    id: z.string().meta({ description: 'Unique per event: a redelivered webhook repeats it.' }),
    seq: z.number().int().meta({ description: "The event's place in the tenant's log: gapless, increasing." }),
    type: z.enum(EVENT_TYPES),
    tenant: z.string(),
    occurredAt: timestamp,
    actor: z.string().meta({ description: '`scim:<token id>`, `signin`, `operator`, `setup:<link id>` or `api:<key id>`.' }),
    data: z.unknown(),
  })
  .meta({ id: 'DirectoryEvent' });

async function page(db: Database, origin: string, tenant: Tenant, resource: DirectoryResource, query: DirectoryQuery) {
  try {
    return await directoryPage(db, tenant, resource, tenantScimBase(origin, tenant.slug), query);
  } catch (err) {
    if (err instanceof DirectoryQueryError) throw new ApiProblem(400, err.message);
    throw err;
  }
}

export const directoryOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/users',
    id: 'listUsers',
    tag: 'Directory',
    summary: "The tenant's users, as SCIM resources, in the order they were created",
    access: 'tenant',
    params: slugParams,
    query: listQuery,
    status: 200,
    response: resourcePage('UserPage'),
    handle: ({ db, origin, tenant, query }) => page(db, origin, tenant, 'users', query),
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}/users/{userId}',
    id: 'getUser',
    tag: 'Directory',
    summary: 'One user, with the role and groups sign-in gives them now',
    access: 'tenant',
    params: slugParams.extend({ userId: z.string().min(1).max(100) }),
    status: 200,
    response: z.record(z.string(), z.unknown()).meta({ id: 'DirectoryUser', description: 'The SCIM user, plus `role` (effective) and `groupNames`.' }),
    async handle({ db, origin, tenant, params }) {
      const user = await directoryUser(db, tenant, tenantScimBase(origin, tenant.slug), params.userId);
      if (!user) throw new ApiProblem(404, `Tenant "${tenant.slug}" has no user "${params.userId}".`);
      return user;
    },
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}/groups',
    id: 'listGroups',
    tag: 'Directory',
    summary: "The tenant's groups, as SCIM resources without members, in the order they were created",
    access: 'tenant',
    params: slugParams,
    query: listQuery,
    status: 200,
    response: resourcePage('GroupPage'),
    handle: ({ db, origin, tenant, query }) => page(db, origin, tenant, 'groups', query),
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}/events',
    id: 'listEvents',
    tag: 'Directory',
    summary: "The tenant's directory changes after a seq (README: Receive directory changes)",
    description: 'A cursor older than retention is 410 with `oldestSeq`: rebuild from the snapshot, then read after its seq.',
    access: 'tenant',
    params: slugParams,
    query: z.object({ after: z.coerce.number().int().min(0).default(0).meta({ description: 'The last seq you hold (0: from the start).' }), limit: pageLimit }),
    status: 200,
    response: z.object({ data: z.array(eventSchema), next: z.number().int().meta({ description: 'Pass as `after` for the next page.' }) }).meta({ id: 'EventPage' }),
    async handle({ db, tenant, query }) {
      const feed = await eventsAfter(db, tenant, query.after, query.limit);
      if (feed.kind === 'gone') {
        throw new ApiProblem(410, `Events after seq ${query.after} are no longer kept; the oldest kept is ${feed.oldestSeq}. Rebuild from the directory snapshot, then read the feed after its seq.`, {}, { oldestSeq: feed.oldestSeq });
      }
      return { data: feed.events as z.input<typeof eventSchema>[], next: feed.next };
    },
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}/directory',
    id: 'getDirectorySnapshot',
    tag: 'Directory',
    summary: 'A snapshot of users, groups and memberships that the event feed continues from its seq',
    access: 'tenant',
    params: slugParams,
    query: z.object({ as_of: z.literal('latest').default('latest'), cursor: z.string().max(2000).optional(), limit: pageLimit }),
    status: 200,
    response: z
      .object({ seq: z.number().int(), users: z.array(scimResource), groups: z.array(scimResource), memberships: z.array(z.object({ groupId: z.string(), userId: z.string() })), next: z.string().nullable() })
      .meta({ id: 'SnapshotPage' }),
    handle: ({ db, origin, tenant, query }) => snapshotPage(db, tenant, tenantScimBase(origin, tenant.slug), query.limit, query.cursor),
  }),
];
