/** Schemas the management API's operations share: path parameters, the tenant as answered, page sizes. */
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { heldBy, type Held } from '../db/held-resources.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';
import { ssoRequired } from '../tenants/sso-requirement.ts';
import type { Tenant } from '../tenants/tenant-store.ts';

export const slugParams = z.object({ slug: z.string().min(1).max(100).meta({ description: "The tenant's slug (its SCIM and sign-in URLs carry it)." }) });

/** A page size: 1 to 500, 100 when absent. */
export const pageLimit = z.coerce.number().int().min(1).max(500).default(100).meta({ description: 'Items on a page, 1 to 500.' });

/** A timestamp as the API writes them: ISO 8601, UTC, milliseconds. */
export const timestamp = z.string().meta({ format: 'date-time' });

export const tenantSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    externalId: z.string().nullable().meta({ description: "The host application's own id for this customer." }),
    scimEnabled: z.boolean(),
    scimBaseUrl: z.string().meta({ description: 'What the IT admin pastes into Okta or Entra as the SCIM base URL.' }),
    requireSso: z.boolean().meta({ description: "The tenant's people must sign in through its identity provider: refuse the app's other sign-in methods for them." }),
    roles: z.array(z.string()).meta({ description: 'The role catalog, highest first.' }),
    defaultRole: z.string(),
    configuringRole: z.string().meta({ description: "The lowest role that may change configuration in the admin console." }),
    maxUsers: z.number().int(),
    maxGroups: z.number().int(),
    userCount: z.number().int(),
    groupCount: z.number().int(),
    sessionIdleSeconds: z.number().int(),
    sessionAbsoluteSeconds: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Tenant' });

/** What a tenant's answer reads besides its row; a list reads it for all its tenants at once. */
export interface TenantAnswerParts {
  requireSso: boolean;
  held: Held;
}

async function readAnswerParts(db: Database, tenantId: string): Promise<TenantAnswerParts> {
  const [requireSso, held] = await Promise.all([ssoRequired(db, tenantId), heldBy(db, tenantId)]);
  return { requireSso, held };
}

/** `tenant` as the API answers it at `origin`; `parts` are read when not given. */
export async function tenantAnswer(db: Database, origin: string, tenant: Tenant, parts?: TenantAnswerParts): Promise<z.input<typeof tenantSchema>> {
  const { requireSso, held } = parts ?? (await readAnswerParts(db, tenant.id));
  return { ...tenant, scimBaseUrl: tenantScimBase(origin, tenant.slug), requireSso, userCount: held.users, groupCount: held.groups };
}

/** A SCIM resource as the directory reads show it (RFC 7643), without memberships. */
export const scimResource = z.record(z.string(), z.unknown()).meta({ description: 'A SCIM resource (RFC 7643) as GET returns it, without groups or members.' });
