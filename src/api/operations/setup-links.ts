/** Setup links: what the host app sends a customer's IT admin to set up SSO and SCIM themselves. */
import { z } from 'zod';
import { accessAnnouncer } from '../../scim/port/tenant-reads.ts';
import { createSetupLink, listSetupLinks, MAX_LINK_SECONDS, revokeSetupLink, setupUrl } from '../../tenants/setup-links.ts';
import { operation } from '../operation.ts';
import { slugParams, timestamp } from '../schemas.ts';

const linkSchema = z
  .object({ id: z.string(), createdAt: timestamp, expiresAt: timestamp, lastUsedAt: timestamp.nullable(), revokedAt: timestamp.nullable() })
  .meta({ id: 'SetupLink' });

export const setupLinkOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/setup-links',
    id: 'listSetupLinks',
    tag: 'Setup links',
    summary: "List the tenant's setup links (never the keys) with the live SCIM tokens each issued",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: z.object({ data: z.array(linkSchema.extend({ liveTokens: z.array(z.string()) })) }),
    handle: async ({ db, tenant }) => ({ data: await listSetupLinks(db, tenant) }),
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/setup-links',
    id: 'createSetupLink',
    tag: 'Setup links',
    summary: 'Issue a setup link: the answer is the only time its URL is shown',
    description: "Send `url` to the tenant's IT admin over a trusted channel; it opens the tenant's SSO and SCIM setup until `expiresAt`.",
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ expiresInSeconds: z.number().int().min(300).max(MAX_LINK_SECONDS).optional().meta({ description: 'Default 7 days, at most 30.' }) }),
    status: 201,
    response: linkSchema.extend({ url: z.string() }).meta({ id: 'IssuedSetupLink' }),
    async handle({ db, origin, tenant, body, actor }) {
      const { info, key } = await createSetupLink(db, tenant, body.expiresInSeconds, actor);
      return { ...info, url: setupUrl(origin, tenant.slug, key) };
    },
  }),
  operation({
    method: 'delete',
    path: '/tenants/{slug}/setup-links/{linkId}',
    id: 'revokeSetupLink',
    tag: 'Setup links',
    summary: 'Revoke a setup link and the SCIM tokens its page issued',
    access: 'tenant',
    params: slugParams.extend({ linkId: z.string().min(1).max(100) }),
    status: 200,
    response: linkSchema,
    handle: ({ c, db, tenant, params, actor }) => revokeSetupLink(db, accessAnnouncer(c.env), tenant, params.linkId, actor),
  }),
];
