/** A tenant's SCIM bearer tokens: issue (the token shown once), list (never the secrets), revoke. */
import { z } from 'zod';
import { tenantScimBase } from '../../scim/wire/respond.ts';
import { accessAnnouncer } from '../../scim/port/tenant-reads.ts';
import { createScimToken, listScimTokens, revokeScimToken } from '../../tenants/tenant-store.ts';
import { operation } from '../operation.ts';
import { slugParams, timestamp } from '../schemas.ts';

const tokenInfo = z
  .object({
    id: z.string(),
    label: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    setupLinkId: z.string().nullable().meta({ description: 'The setup link whose page issued it: revoking the link revokes it.' }),
  })
  .meta({ id: 'ScimToken' });

/** At most ten years: a token without an end is `expiresInSeconds` absent. */
const MAX_TOKEN_SECONDS = 10 * 365 * 86400;

export const scimTokenOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/scim-tokens',
    id: 'listScimTokens',
    tag: 'SCIM tokens',
    summary: "List a tenant's SCIM tokens (never the secrets)",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: z.object({ data: z.array(tokenInfo) }),
    handle: async ({ db, tenant }) => ({ data: await listScimTokens(db, tenant) }),
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/scim-tokens',
    id: 'createScimToken',
    tag: 'SCIM tokens',
    summary: 'Issue a SCIM token: the answer is the only time it is shown',
    description: 'Paste `token` and `scimBaseUrl` into the Okta or Entra provisioning settings. Only a hash is stored.',
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ label: z.string().trim().min(1).max(100).default('default'), expiresInSeconds: z.number().int().min(3600).max(MAX_TOKEN_SECONDS).optional() }),
    status: 201,
    response: tokenInfo.extend({ token: z.string().meta({ description: 'The bearer token, `eid_scim_…`: shown only in this answer.' }), scimBaseUrl: z.string(), scimEnabled: z.boolean() }).meta({ id: 'IssuedScimToken' }),
    async handle({ db, origin, tenant, body, actor }) {
      const issued = await createScimToken(db, tenant, body.label, body.expiresInSeconds, { actor });
      return { ...issued.info, token: issued.token, scimBaseUrl: tenantScimBase(origin, tenant.slug), scimEnabled: issued.tenant.scimEnabled };
    },
  }),
  operation({
    method: 'delete',
    path: '/tenants/{slug}/scim-tokens/{tokenId}',
    id: 'revokeScimToken',
    tag: 'SCIM tokens',
    summary: 'Revoke a SCIM token (refused from its next request on)',
    access: 'tenant',
    params: slugParams.extend({ tokenId: z.string().min(1).max(100) }),
    status: 200,
    response: tokenInfo,
    handle: ({ c, db, tenant, params, actor }) => revokeScimToken(db, accessAnnouncer(c.env), tenant, params.tokenId, actor),
  }),
];
