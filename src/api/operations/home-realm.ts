/** What the host's own login page asks first: which tenant an email domain signs in with, and who this key is. */
import { z } from 'zod';
import { ApiProblem, StoreError } from '../../http/errors.ts';
import { normalizeDomain, tenantForDomain } from '../../tenants/domain-store.ts';
import { ssoRequired } from '../../tenants/sso-requirement.ts';
import { operation } from '../operation.ts';

export const homeRealmOperations = [
  operation({
    method: 'get',
    path: '/',
    id: 'getApiKey',
    tag: 'About',
    summary: 'The API key making the call, and what it may reach',
    access: 'tenant',
    status: 200,
    response: z.object({ key: z.object({ id: z.string(), label: z.string(), tenantId: z.string().nullable(), scope: z.enum(['operator', 'tenant']) }) }),
    handle: async ({ key }) => ({ key: { id: key.id, label: key.label, tenantId: key.tenantId, scope: key.tenantId === null ? ('operator' as const) : ('tenant' as const) } }),
  }),
  operation({
    method: 'get',
    path: '/domains/{domain}',
    id: 'discoverTenant',
    tag: 'Sign-in',
    summary: 'Home-realm discovery: the tenant a verified email domain signs in with',
    description: 'For the host\'s own login page: when `requireSso` is true, send the person to `signInUrl` and offer no password. A tenant-bound key learns only of its own tenant\'s domains (others are 404).',
    access: 'tenant',
    params: z.object({ domain: z.string().min(1).max(253) }),
    status: 200,
    response: z.object({ domain: z.string(), tenant: z.string(), requireSso: z.boolean(), signInUrl: z.string() }).meta({ id: 'HomeRealm' }),
    async handle({ db, origin, key, params }) {
      let domain: string;
      try {
        domain = normalizeDomain(params.domain);
      } catch (err) {
        if (err instanceof StoreError) throw new ApiProblem(400, `domain: ${err.message}`);
        throw err;
      }
      const tenant = await tenantForDomain(db, domain);
      if (!tenant || (key.tenantId !== null && key.tenantId !== tenant.id)) throw new ApiProblem(404, `No tenant signs in with the verified domain "${domain}".`);
      return { domain, tenant: tenant.slug, requireSso: await ssoRequired(db, tenant.id), signInUrl: `${origin}/auth/${tenant.slug}/login` };
    },
  }),
];
