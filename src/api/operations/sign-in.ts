/** A tenant's sign-in: its OpenID Provider connection (never the secret), the provider check, session timeouts. */
import { z } from 'zod';
import { configOf } from '../../config.ts';
import { ApiProblem } from '../../http/errors.ts';
import { TOKEN_AUTH_METHODS } from '../../oidc/connection-settings.ts';
import { connectionUpdateSchema, getConnectionInfo, setConnection } from '../../oidc/connection-store.ts';
import { oktaAppValues } from '../../oidc/okta-app-values.ts';
import { checkProvider } from '../../oidc/provider-check.ts';
import { setSessionTimeouts } from '../../tenants/session-settings.ts';
import type { Tenant } from '../../tenants/tenant-store.ts';
import type { Database } from '../../db/client.ts';
import { operation } from '../operation.ts';
import { slugParams, timestamp } from '../schemas.ts';

const connectionSchema = z
  .object({
    issuer: z.string(),
    clientId: z.string(),
    hasClientSecret: z.boolean().meta({ description: 'Whether a client secret is stored (sealed at rest; never returned).' }),
    tokenAuthMethod: z.enum(TOKEN_AUTH_METHODS),
    scopes: z.string(),
    groupsClaim: z.string(),
    groupsFilter: z.string(),
    jit: z.boolean(),
    hmacIdTokens: z.boolean(),
    trustUnverifiedEmail: z.boolean(),
    linkPreferredUsername: z.boolean(),
    requireSso: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'OidcConnection' });

const connectionAnswer = z
  .object({
    connection: connectionSchema,
    okta: z.record(z.string(), z.string()).meta({ description: "The values the tenant's Okta admin enters in the Okta app (README: Set up Okta SSO)." }),
  })
  .meta({ id: 'OidcConnectionAnswer' });

const providerReport = z
  .object({
    ok: z.boolean(),
    issuer: z.string(),
    endpoints: z.record(z.string(), z.string()),
    signingKeys: z.array(z.object({ kid: z.string().nullable(), kty: z.string(), alg: z.string().nullable() })),
    idTokenAlgs: z.array(z.string()),
    issParameter: z.boolean(),
    problems: z.array(z.string()),
    notes: z.array(z.string()),
  })
  .meta({ id: 'ProviderReport' });

const sessionSettings = z.object({ sessionIdleSeconds: z.number().int(), sessionAbsoluteSeconds: z.number().int() }).meta({ id: 'SessionSettings' });

async function storedConnection(db: Database, tenant: Tenant) {
  const info = await getConnectionInfo(db, tenant.id);
  if (!info) throw new ApiProblem(404, `Tenant "${tenant.slug}" has no OIDC connection yet: PUT one first.`);
  return info;
}

export const signInOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/connection',
    id: 'getConnection',
    tag: 'Sign-in',
    summary: "Read the tenant's OpenID Provider connection and the Okta app values",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: connectionAnswer,
    handle: async ({ db, origin, tenant }) => ({ connection: await storedConnection(db, tenant), okta: oktaAppValues(origin, tenant.slug) }),
  }),
  operation({
    method: 'put',
    path: '/tenants/{slug}/connection',
    id: 'putConnection',
    tag: 'Sign-in',
    summary: "Create or change the tenant's OpenID Provider connection",
    description:
      'A first connection needs `issuer` and `clientId`; fields left out keep their stored values (or the defaults). `clientSecret` is sealed at rest and never returned; null removes it. `requireSso: true` is refused (409, with the reasons) unless the provider checks out now.',
    access: 'tenant',
    params: slugParams,
    body: connectionUpdateSchema,
    status: 200,
    response: connectionAnswer,
    async handle({ c, db, origin, tenant, body, actor }) {
      const config = configOf(c.env);
      const connection = await setConnection(db, config.secretsKey, tenant, body, config.localDev, { actor });
      return { connection, okta: oktaAppValues(origin, tenant.slug) };
    },
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/connection/test',
    id: 'testConnection',
    tag: 'Sign-in',
    summary: "Fetch the provider's discovery document and keys and report what sign-in would meet",
    description: '`ok` false lists the `problems` sign-in would hit; the call itself succeeds either way.',
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: providerReport,
    handle: async ({ c, db, tenant }) => checkProvider(await storedConnection(db, tenant), configOf(c.env).localDev),
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}/session-settings',
    id: 'getSessionSettings',
    tag: 'Sign-in',
    summary: "Read how long the tenant's sign-in sessions last",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: sessionSettings,
    handle: async ({ tenant }) => tenant,
  }),
  operation({
    method: 'put',
    path: '/tenants/{slug}/session-settings',
    id: 'putSessionSettings',
    tag: 'Sign-in',
    summary: "Set how long the tenant's sessions last without activity and at most",
    description: 'At least 5 minutes each, absolute at most 30 days, idle not above absolute. New sign-ins get them; running sessions keep theirs.',
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ sessionIdleSeconds: z.number().int().positive().optional(), sessionAbsoluteSeconds: z.number().int().positive().optional() }),
    status: 200,
    response: sessionSettings,
    handle: ({ db, tenant, body, actor }) => setSessionTimeouts(db, tenant, { idleSeconds: body.sessionIdleSeconds, absoluteSeconds: body.sessionAbsoluteSeconds }, actor),
  }),
];
