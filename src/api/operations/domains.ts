/** A tenant's email domains: claimed, proven by a DNS TXT record, then routing sign-ins by email. */
import { z } from 'zod';
import { configOf } from '../../config.ts';
import type { Env } from '../../env.ts';
import { ApiProblem } from '../../http/errors.ts';
import { addDomain, dohTxtLookup, listDomains, removeDomain, verificationRecord, verifyDomain, type TenantDomain } from '../../tenants/domain-store.ts';
import { operation } from '../operation.ts';
import { slugParams, timestamp } from '../schemas.ts';

const domainSchema = z
  .object({
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: timestamp.nullable(),
    txtName: z.string().meta({ description: 'Where the customer publishes the TXT record.' }),
    txtValue: z.string().meta({ description: 'The TXT value that proves control of the domain.' }),
  })
  .meta({ id: 'Domain' });

const domainParams = slugParams.extend({ domain: z.string().min(1).max(253) });

async function withRecord(env: Env, row: TenantDomain): Promise<z.input<typeof domainSchema>> {
  const record = await verificationRecord(configOf(env).secretsKey, row.tenantId, row.domain);
  return { domain: row.domain, verified: row.verifiedAt !== null, verifiedAt: row.verifiedAt, txtName: record.name, txtValue: record.value };
}

export const domainOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/domains',
    id: 'listDomains',
    tag: 'Domains',
    summary: "List the tenant's email domains and their verification records",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: z.object({ data: z.array(domainSchema) }),
    handle: async ({ c, db, tenant }) => ({ data: await Promise.all((await listDomains(db, tenant)).map((row) => withRecord(c.env, row))) }),
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/domains',
    id: 'addDomain',
    tag: 'Domains',
    summary: 'Claim an email domain for the tenant',
    description:
      'The domain routes sign-ins once the customer publishes the TXT record in the answer and you call verify. `verified: true` skips the DNS proof: only an operator key may vouch for a domain, since a verified domain sends its people to this tenant.',
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ domain: z.string().min(1).max(253), verified: z.boolean().default(false) }),
    status: 201,
    response: domainSchema,
    async handle({ c, db, tenant, body, key, actor }) {
      if (body.verified && key.tenantId !== null) throw new ApiProblem(403, 'verified: only an operator key may vouch for a domain; publish the TXT record and verify it instead.');
      return withRecord(c.env, await addDomain(db, tenant, body.domain, body.verified, actor));
    },
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/domains/{domain}/verify',
    id: 'verifyDomain',
    tag: 'Domains',
    summary: "Check the domain's DNS TXT record (DNS over HTTPS) and mark it verified",
    description: 'A record not published yet is 409 naming what was found; a resolver failure is 502.',
    access: 'tenant',
    params: domainParams,
    status: 200,
    response: domainSchema,
    async handle({ c, db, tenant, params, actor }) {
      const config = configOf(c.env);
      return withRecord(c.env, await verifyDomain(db, config.secretsKey, tenant, params.domain, (name) => dohTxtLookup(name, config.dohUrl), actor));
    },
  }),
  operation({
    method: 'delete',
    path: '/tenants/{slug}/domains/{domain}',
    id: 'removeDomain',
    tag: 'Domains',
    summary: 'Release an email domain',
    access: 'tenant',
    params: domainParams,
    status: 204,
    async handle({ db, tenant, params, actor }) {
      await removeDomain(db, tenant, params.domain, actor);
    },
  }),
];
