/**
 * `/scim/v2/{tenant}/Users` (RFC 7644 §3): reads and writes go to the tenant object (reads are
 * answered from its serving copy). Routes only parse, call and shape.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import type { Database } from '../../db/client.ts';
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import { parseWith, scimHook } from '../../http/validation.ts';
import type { ScimVariables } from '../auth/authenticate.ts';
import { listResponse } from '../wire/respond.ts';
import { patchRequestSchema } from '../patch/request.ts';
import { projectResource, type Projection } from '../model/projection.ts';
import { toScimResource } from '../model/render.ts';
import { methodNotAllowed, readJsonBody, scimJson } from '../wire/request.ts';
import { listQuerySchema, type ListQuery } from '../storage/list-query.ts';
import { projectionOf, resourceResponse, scimBaseUrl } from '../wire/respond.ts';
import { ifNoneMatchHits } from '../model/etag.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { writeAsCaller } from './write-as-caller.ts';
import { readAsCaller } from './read-as-caller.ts';
import type { WrittenUser } from '../users/user-writes.ts';
import { groupsOfUsers, type UserGroupRef, type UserRow } from '../users/user-rows.ts';

type ScimContext = Context<{ Bindings: Env; Variables: ScimVariables }>;

/** Users rendered as SCIM resources, with their `groups` (looked up unless `known`), each projected. */
async function renderUsers(db: Database, tenantId: string, rows: UserRow[], baseUrl: string, projection: Projection = {}, known?: Map<string, UserGroupRef[]>) {
  const groups = known ?? (await groupsOfUsers(db, tenantId, rows.map((r) => r.id)));
  const withRef = (group: UserGroupRef) => ({ ...group, $ref: `${baseUrl}${GROUP_RESOURCE_TYPE.endpoint}/${group.value}` });
  return rows.map((row) =>
    projectResource(USER_RESOURCE_TYPE, toScimResource(USER_RESOURCE_TYPE, { ...row, extra: { groups: (groups.get(row.id) ?? []).map(withRef) } }, baseUrl), projection),
  );
}

async function respondWithUser(c: ScimContext, row: UserRow, status: 200 | 201 = 200, known?: Map<string, UserGroupRef[]>): Promise<Response> {
  const [resource] = await renderUsers(c.get('caller').db, row.tenantId, [row], scimBaseUrl(c), {}, known);
  return resourceResponse(resource as { meta: { location: string } }, row.version, status);
}

async function list(c: ScimContext, query: ListQuery): Promise<Response> {
  const page = await readAsCaller(c, (object, request) => object.listUsers({ ...request, query }));
  const groups = new Map(Object.entries(page.groups));
  const resources = await renderUsers(c.get('caller').db, c.get('caller').tenant.id, page.rows, scimBaseUrl(c), projectionOf(query), groups);
  return scimJson(listResponse(resources, page.totalResults, query.startIndex));
}

const ifMatch = (c: ScimContext) => c.req.header('if-match');
/** The groups a write's batch read with the user, if it did (a no-op write did not). */
const writtenGroups = (row: WrittenUser) => (row.groups ? new Map([[row.id, row.groups]]) : undefined);

/** The Users endpoint, mounted at `/scim/v2/:tenant/Users`. */
export const userRoutes = new Hono<{ Bindings: Env; Variables: ScimVariables }>()
  .get('/', zValidator('query', listQuerySchema, scimHook('invalidValue')), (c) => list(c, c.req.valid('query')))
  .post('/.search', async (c) => list(c, parseWith(listQuerySchema, await readJsonBody(c), 'invalidValue')))
  .all('/.search', () => methodNotAllowed('POST'))
  .post('/', async (c) => {
    const body = await readJsonBody(c);
    const row = await writeAsCaller(c, (object, request) => object.createUser({ ...request, body }));
    // A user created this instant is in no group yet: no membership query.
    return respondWithUser(c, row, 201, new Map([[row.id, []]]));
  })
  .get('/:id', zValidator('query', listQuerySchema.pick({ attributes: true, excludedAttributes: true }), scimHook('invalidValue')), async (c) => {
    const found = await readAsCaller(c, (object, request) => object.findUser({ ...request, id: c.req.param('id') }));
    if (!found) throw new ScimError(404, undefined, `User "${c.req.param('id')}" not found in this tenant.`);
    const { row } = found;
    if (ifNoneMatchHits(c.req.header('if-none-match'), row.version)) return new Response(null, { status: 304 });
    const [resource] = await renderUsers(c.get('caller').db, row.tenantId, [row], scimBaseUrl(c), projectionOf(c.req.valid('query')), new Map([[row.id, found.groups]]));
    return resourceResponse(resource as { meta: { location: string } }, row.version);
  })
  .put('/:id', async (c) => {
    const body = await readJsonBody(c);
    const row = await writeAsCaller(c, (object, request) => object.replaceUser({ ...request, id: c.req.param('id'), body, ifMatch: ifMatch(c) }));
    return respondWithUser(c, row, 200, writtenGroups(row));
  })
  .patch('/:id', async (c) => {
    const patch = parseWith(patchRequestSchema, await readJsonBody(c), 'invalidSyntax');
    const row = await writeAsCaller(c, (object, request) => object.patchUser({ ...request, id: c.req.param('id'), patch, ifMatch: ifMatch(c) }));
    return respondWithUser(c, row, 200, writtenGroups(row));
  })
  .delete('/:id', async (c) => {
    await writeAsCaller(c, (object, request) => object.deleteUser({ ...request, id: c.req.param('id'), ifMatch: ifMatch(c) }));
    return new Response(null, { status: 204 });
  })
  .all('/', () => methodNotAllowed('GET, POST'))
  .all('/:id', () => methodNotAllowed('GET, PUT, PATCH, DELETE'));
