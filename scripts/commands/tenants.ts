/** `create`, `list`, `show`, `delete`, `scim enable|disable`: a tenant's life and its SCIM switch. */
import { createTenant, listScimTokens, listTenants, setQuotas, setScimEnabled, type Tenant } from '../../src/tenants/tenant-store.ts';
import { deleteTenant } from '../../src/tenants/tenant-deletion.ts';
import { heldBy } from '../../src/db/held-resources.ts';
import { slugProblem } from '../../src/tenants/slug.ts';
import { CliError, keyValues, positional, stringFlag, table, tenantArg, type CliContext, type Command } from '../lib/command.ts';

/** The SCIM base URL an admin pastes into Okta or Entra for this tenant. */
export function scimBaseUrl(ctx: CliContext, tenant: Pick<Tenant, 'slug'>): string {
  return `${ctx.publicBaseUrl}/scim/v2/${tenant.slug}`;
}

function tenantJson(ctx: CliContext, tenant: Tenant) {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    externalId: tenant.externalId,
    scimEnabled: tenant.scimEnabled,
    scimBaseUrl: scimBaseUrl(ctx, tenant),
    roles: tenant.roles,
    defaultRole: tenant.defaultRole,
    createdAt: tenant.createdAt,
  };
}

function validSlug(slug: string): string {
  const problem = slugProblem(slug);
  if (problem) throw new CliError(problem);
  return slug;
}

export const tenantCommands: Command[] = [
  {
    name: 'create',
    usage: 'create <slug> [--name "Acme Inc"] [--external-id org_123]',
    summary: 'create a tenant (SCIM starts disabled)',
    async run(ctx, args) {
      const slug = validSlug(positional(args, 0, 'slug'));
      const tenant = await createTenant(ctx.db, slug, { name: stringFlag(args, 'name'), externalId: stringFlag(args, 'external-id') });
      const json = tenantJson(ctx, tenant);
      return {
        json,
        text: `${keyValues(json)}\n\nNext: npm run tenant -- scim enable ${slug}; npm run tenant -- token create ${slug} --label okta`,
      };
    },
  },
  {
    name: 'list',
    usage: 'list',
    summary: 'list tenants',
    async run(ctx) {
      const tenants = (await listTenants(ctx.db)).map((t) => tenantJson(ctx, t));
      return { json: { tenants }, text: table(tenants, ['slug', 'name', 'scimEnabled', 'createdAt']) };
    },
  },
  {
    name: 'show',
    usage: 'show <slug>',
    summary: 'show a tenant and its SCIM tokens',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const tokens = await listScimTokens(ctx.db, tenant);
      const json = { ...tenantJson(ctx, tenant), tokens };
      return { json, text: `${keyValues(tenantJson(ctx, tenant))}\n\nSCIM tokens:\n${table(tokens, ['id', 'label', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt'])}` };
    },
  },
  {
    name: 'quota',
    usage: 'quota <slug> [--users 1000000] [--groups 100000]',
    summary: 'set how many users and groups the tenant may hold (a create past it gets SCIM 507)',
    async run(ctx, args) {
      const count = (name: string) => {
        const text = stringFlag(args, name);
        if (text === undefined) return undefined;
        if (!/^\d{1,10}$/.test(text)) throw new CliError(`--${name} takes a whole number, got "${text}"`);
        return Number(text);
      };
      const tenant = await setQuotas(ctx.db, await tenantArg(ctx, args), { maxUsers: count('users'), maxGroups: count('groups') });
      const held = await heldBy(ctx.db, tenant.id);
      const json = { slug: tenant.slug, maxUsers: tenant.maxUsers, maxGroups: tenant.maxGroups, userCount: held.users, groupCount: held.groups };
      return { json, text: keyValues(json) };
    },
  },
  {
    name: 'delete',
    usage: 'delete <slug> --yes',
    summary: 'delete a tenant and all its data',
    async run(ctx, args) {
      const slug = positional(args, 0, 'slug');
      if (args.flags.yes !== true) throw new CliError(`deleting "${slug}" removes its users, groups and tokens for good: add --yes to confirm`);
      const tenant = await tenantArg(ctx, args);
      // The CLI has no per-invocation query limit: it deletes every chunk itself, however large the tenant.
      const { rowsDeleted } = await deleteTenant(ctx.db, ctx.announceAccessChanged, tenant, 'cli', Number.POSITIVE_INFINITY);
      return { json: { deleted: tenant.slug, id: tenant.id, rowsDeleted }, text: `deleted tenant ${tenant.slug} (${rowsDeleted} users, groups and events)` };
    },
  },
  ...[true, false].map(
    (enabled): Command => ({
      name: enabled ? 'scim enable' : 'scim disable',
      usage: `scim ${enabled ? 'enable' : 'disable'} <slug>`,
      summary: enabled ? 'turn SCIM provisioning on' : 'turn SCIM provisioning off (SCIM answers 403)',
      async run(ctx, args) {
        const tenant = await setScimEnabled(ctx.db, ctx.announceAccessChanged, await tenantArg(ctx, args), enabled);
        return {
          json: { slug: tenant.slug, scimEnabled: tenant.scimEnabled, scimBaseUrl: scimBaseUrl(ctx, tenant) },
          text: `SCIM ${enabled ? 'enabled' : 'disabled'} for ${tenant.slug}${enabled ? ` at ${scimBaseUrl(ctx, tenant)}` : ''}`,
        };
      },
    }),
  ),
];
