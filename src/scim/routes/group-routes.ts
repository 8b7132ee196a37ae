/**
 * `/scim/v2/{tenant}/Groups` (RFC 7644 §3): reads go to D1, writes to the tenant object. Routes
 * only parse, call and shape. PATCH answers 204 (interop decision 5).
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { groups } from '../../db/schema.ts';
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import { parseWith, scimHook } from '../../http/validation.ts';
import type { ScimVariables } from '../auth/authenticate.ts';
import { patchRequestSchema } from '../patch/request.ts';
import { methodNotAllowed, readJsonBody } from '../wire/request.ts';
import { listPage } from '../storage/list.ts';
import { listQuerySchema, type ListQuery } from '../storage/list-query.ts';
import { projectionOf, scimBaseUrl } from '../wire/respond.ts';
import { etag, ifNoneMatchHits } from '../model/etag.ts';
import { GROUP_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { writeAsCaller } from './write-as-caller.ts';
import { groupListResponse, groupResponse } from '../groups/group-render.ts';
import { findGroupRow } from '../groups/group-rows.ts';

type ScimContext = Context<{ Bindings: Env; Variables: ScimVariables }>;

const ifMatch = (c: ScimContext) => c.req.header('if-match');

async function list(c: ScimContext, query: ListQuery): Promise<Response> {
  const db = c.get('caller').db;
  const tenantId = c.get('caller').tenant.id;
  const page = await listPage(db, tenantId, GROUP_RESOURCE_TYPE, groups, query);
  return groupListResponse(db, tenantId, page, query.startIndex, scimBaseUrl(c), projectionOf(query));
}

/** The Groups endpoint, mounted at `/scim/v2/:tenant/Groups`. */
export const groupRoutes = new Hono<{ Bindings: Env; Variables: ScimVariables }>()
  .get('/', zValidator('query', listQuerySchema, scimHook('invalidValue')), (c) => list(c, c.req.valid('query')))
  .post('/.search', async (c) => list(c, parseWith(listQuerySchema, await readJsonBody(c), 'invalidValue')))
  .all('/.search', () => methodNotAllowed('POST'))
  .post('/', async (c) => {
    const body = await readJsonBody(c);
    const { firstMembers, ...row } = await writeAsCaller(c, (object, request) => object.createGroup({ ...request, body }));
    return groupResponse(c.get('caller').db, row, scimBaseUrl(c), {}, 201, firstMembers);
  })
  .get('/:id', zValidator('query', listQuerySchema.pick({ attributes: true, excludedAttributes: true }), scimHook('invalidValue')), async (c) => {
    const db = c.get('caller').db;
    const row = await findGroupRow(db, c.get('caller').tenant.id, c.req.param('id'));
    if (!row) throw new ScimError(404, undefined, `Group "${c.req.param('id')}" not found in this tenant.`);
    if (ifNoneMatchHits(c.req.header('if-none-match'), row.version)) return new Response(null, { status: 304 });
    return groupResponse(db, row, scimBaseUrl(c), projectionOf(c.req.valid('query')));
  })
  .put('/:id', async (c) => {
    const body = await readJsonBody(c);
    const { firstMembers, ...row } = await writeAsCaller(c, (object, request) => object.replaceGroup({ ...request, id: c.req.param('id'), body, ifMatch: ifMatch(c) }));
    return groupResponse(c.get('caller').db, row, scimBaseUrl(c), {}, 200, firstMembers);
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
