/**
 * `/scim/v2/{tenant}/Groups` (RFC 7644 §3): reads and writes go to the tenant object (reads are
 * answered from its serving copy, members in chunks as the response streams). Routes only parse,
 * call and shape. PATCH answers 204 (interop decision 5).
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import { parseWith, scimHook } from '../../http/validation.ts';
import type { ScimVariables } from '../auth/authenticate.ts';
import { patchRequestSchema } from '../patch/request.ts';
import { methodNotAllowed, readJsonBody } from '../wire/request.ts';
import { listQuerySchema, type ListQuery } from '../storage/list-query.ts';
import { projectionOf, scimBaseUrl } from '../wire/respond.ts';
import { etag, ifNoneMatchHits } from '../model/etag.ts';
import { writeAsCaller } from './write-as-caller.ts';
import { groupListResponse, groupResponse } from '../groups/group-render.ts';
import type { MemberSource } from '../groups/group-reads.ts';
import { readAsCaller } from './read-as-caller.ts';

type ScimContext = Context<{ Bindings: Env; Variables: ScimVariables }>;

const ifMatch = (c: ScimContext) => c.req.header('if-match');

/** The members a response streams, read from the tenant object as the client reads. */
function objectMembers(c: ScimContext): MemberSource {
  return {
    first: (groupIds, limit) => readAsCaller(c, (object, request) => object.groupMembers({ ...request, groupIds, limit })),
    after: (groupId, after, limit) => readAsCaller(c, (object, request) => object.groupMembersAfter({ ...request, groupId, after, limit })),
  };
}

async function list(c: ScimContext, query: ListQuery): Promise<Response> {
  const page = await readAsCaller(c, (object, request) => object.listGroups({ ...request, query }));
  return groupListResponse(objectMembers(c), page, query.startIndex, scimBaseUrl(c), projectionOf(query));
}

/** The Groups endpoint, mounted at `/scim/v2/:tenant/Groups`. */
export const groupRoutes = new Hono<{ Bindings: Env; Variables: ScimVariables }>()
  .get('/', zValidator('query', listQuerySchema, scimHook('invalidValue')), (c) => list(c, c.req.valid('query')))
  .post('/.search', async (c) => list(c, parseWith(listQuerySchema, await readJsonBody(c), 'invalidValue')))
  .all('/.search', () => methodNotAllowed('POST'))
  .post('/', async (c) => {
    const body = await readJsonBody(c);
    const { firstMembers, ...row } = await writeAsCaller(c, (object, request) => object.createGroup({ ...request, body }));
    return groupResponse(objectMembers(c), row, scimBaseUrl(c), {}, 201, firstMembers);
  })
  .get('/:id', zValidator('query', listQuerySchema.pick({ attributes: true, excludedAttributes: true }), scimHook('invalidValue')), async (c) => {
    const row = await readAsCaller(c, (object, request) => object.findGroup({ ...request, id: c.req.param('id') }));
    if (!row) throw new ScimError(404, undefined, `Group "${c.req.param('id')}" not found in this tenant.`);
    if (ifNoneMatchHits(c.req.header('if-none-match'), row.version)) return new Response(null, { status: 304 });
    return groupResponse(objectMembers(c), row, scimBaseUrl(c), projectionOf(c.req.valid('query')));
  })
  .put('/:id', async (c) => {
    const body = await readJsonBody(c);
    const { firstMembers, ...row } = await writeAsCaller(c, (object, request) => object.replaceGroup({ ...request, id: c.req.param('id'), body, ifMatch: ifMatch(c) }));
    return groupResponse(objectMembers(c), row, scimBaseUrl(c), {}, 200, firstMembers);
  })
  .patch('/:id', async (c) => {
    const patch = parseWith(patchRequestSchema, await readJsonBody(c), 'invalidSyntax');
    const row = await writeAsCaller(c, (object, request) => object.patchGroup({ ...request, id: c.req.param('id'), patch, ifMatch: ifMatch(c) }));
    return new Response(null, { status: 204, headers: { etag: etag(row.version) } });
  })
  .delete('/:id', async (c) => {
    await writeAsCaller(c, (object, request) => object.deleteGroup({ ...request, id: c.req.param('id'), ifMatch: ifMatch(c) }));
    return new Response(null, { status: 204 });
  })
  .all('/', () => methodNotAllowed('GET, POST'))
  .all('/:id', () => methodNotAllowed('GET, PUT, PATCH, DELETE'));
