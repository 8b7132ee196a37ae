/** `/scim/v2/{tenant}`: authentication, discovery, and the resource endpoints (RFC 7644 §3, §4). */
import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import { scimAuth, type ScimVariables } from '../auth/authenticate.ts';
import { resourceTypeByName, resourceTypeList, schemaById, schemaList, serviceProviderConfig } from '../discovery.ts';
import { methodNotAllowed, scimJson } from '../wire/request.ts';
import { scimBaseUrl } from '../wire/respond.ts';
import { groupRoutes } from './group-routes.ts';
import { userRoutes } from './user-routes.ts';

const notImplemented = (what: string) => () => {
  throw new ScimError(501, undefined, `${what} is not supported by this server (see /ServiceProviderConfig).`);
};

/** The SCIM service provider of every tenant, mounted at `/scim/v2`. */
export const scimRoutes = new Hono<{ Bindings: Env; Variables: ScimVariables }>()
  .use('/:tenant/*', scimAuth)
  .use('/:tenant', scimAuth)
  .get('/:tenant/ServiceProviderConfig', (c) => scimJson(serviceProviderConfig(scimBaseUrl(c))))
  .get('/:tenant/ResourceTypes', (c) => scimJson(resourceTypeList(scimBaseUrl(c))))
  .get('/:tenant/ResourceTypes/:name', (c) => scimJson(resourceTypeByName(scimBaseUrl(c), c.req.param('name'))))
  .get('/:tenant/Schemas', (c) => scimJson(schemaList(scimBaseUrl(c))))
  .get('/:tenant/Schemas/:id', (c) => scimJson(schemaById(scimBaseUrl(c), c.req.param('id'))))
  .all('/:tenant/ServiceProviderConfig', () => methodNotAllowed('GET'))
  .all('/:tenant/ResourceTypes/*', () => methodNotAllowed('GET'))
  .all('/:tenant/Schemas/*', () => methodNotAllowed('GET'))
  .route('/:tenant/Users', userRoutes)
  .route('/:tenant/Groups', groupRoutes)
  .all('/:tenant/Bulk', notImplemented('Bulk (RFC 7644 §3.7)'))
  .all('/:tenant/Me/*', notImplemented('/Me (RFC 7644 §3.11)'))
  .all('/:tenant/Me', notImplemented('/Me (RFC 7644 §3.11)'))
  .all('/:tenant/*', (c) => {
    throw new ScimError(404, undefined, `No SCIM endpoint at ${new URL(c.req.url).pathname}; see /ServiceProviderConfig, /Users, /Groups.`);
  });
