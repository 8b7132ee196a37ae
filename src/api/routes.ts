/**
 * The management API's front door, `/api/v1`: JSON answers, RFC 9457 problem details for errors,
 * API keys for access. The operations are data (operation.ts); the router and the OpenAPI document
 * at `/api/v1/openapi.json` are both made from the one list below.
 */
import { Hono } from 'hono';
import { BoundedMap } from '../common/bounded-map.ts';
import pkg from '../../package.json' with { type: 'json' };
import { requireApiKey } from './authenticate.ts';
import { openApiDocument } from './openapi.ts';
import { mountOperations, type ApiEnv, type Operation } from './operation.ts';
import { directoryOperations } from './operations/directory.ts';
import { domainOperations } from './operations/domains.ts';
import { homeRealmOperations } from './operations/home-realm.ts';
import { roleOperations } from './operations/roles.ts';
import { scimTokenOperations } from './operations/scim-tokens.ts';
import { setupLinkOperations } from './operations/setup-links.ts';
import { signInOperations } from './operations/sign-in.ts';
import { tenantOperations } from './operations/tenants.ts';

export const API_OPERATIONS: readonly Operation[] = [
  ...homeRealmOperations,
  ...tenantOperations,
  ...scimTokenOperations,
  ...signInOperations,
  ...roleOperations,
  ...domainOperations,
  ...setupLinkOperations,
  ...directoryOperations,
];

/** The document per origin the Worker is reached at, built once per isolate. */
const documents = new BoundedMap<string, Record<string, unknown>>(8);

export const apiRoutes = new Hono<ApiEnv>()
  .use(async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  })
  // The document needs no key: it holds no data, and client generators fetch it bare.
  .get('/openapi.json', (c) => {
    const origin = new URL(c.req.url).origin;
    let document = documents.get(origin);
    if (!document) documents.set(origin, (document = openApiDocument(API_OPERATIONS, origin, pkg.version)));
    return c.json(document);
  })
  .use(requireApiKey);
// Anything else falls to the Worker's not-found, which answers under /api in this API's shape.
mountOperations(apiRoutes, API_OPERATIONS);
