/** `roles map|unmap|list|default`: the roles a tenant's groups grant at sign-in, and the default role. */
import { listRoleMappings, mapGroupsToRoles, setConfiguringRole, setDefaultRole, unmapGroups, type RoleMappingInput } from '../../src/tenants/role-mappings.ts';
import { CliError, positional, table, tenantArg, type Command, type ParsedArgs } from '../lib/command.ts';

/** `"Okta Admins=admin"`: split at the last `=`, since a group name may hold one and a role never does. */
function parseMapping(text: string): RoleMappingInput {
  const at = text.lastIndexOf('=');
  if (at < 0) throw new CliError(`"${text}" is not a mapping; write it as "Group Name=role"`);
  return { groupName: text.slice(0, at), role: text.slice(at + 1) };
}

/** The positionals after the slug, or a CliError naming what is missing. */
function rest(args: ParsedArgs, what: string): string[] {
  const values = args.positionals.slice(1);
  if (values.length === 0) throw new CliError(`missing <${what}>`);
  return values;
}

export const roleCommands: Command[] = [
  {
    name: 'roles map',
    usage: 'roles map <slug> "Group Name=role" [...]',
    summary: 'grant a role to members of a group (displayName or externalId, case-insensitive)',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const mappings = await mapGroupsToRoles(ctx.db, tenant, rest(args, 'Group Name=role').map(parseMapping));
      return { json: { slug: tenant.slug, mapped: mappings }, text: mappings.map((m) => `${m.groupName} -> ${m.role}`).join('\n') };
    },
  },
  {
    name: 'roles unmap',
    usage: 'roles unmap <slug> "Group Name" [...]',
    summary: "remove groups' role mappings",
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const removed = await unmapGroups(ctx.db, tenant, rest(args, 'Group Name'));
      return { json: { slug: tenant.slug, unmapped: removed }, text: removed.map((m) => `unmapped ${m.groupName} (was ${m.role})`).join('\n') };
    },
  },
  {
    name: 'roles list',
    usage: 'roles list <slug>',
    summary: "show the tenant's role catalog, default role and group mappings",
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const mappings = await listRoleMappings(ctx.db, tenant);
      const json = { slug: tenant.slug, roles: tenant.roles, defaultRole: tenant.defaultRole, configuringRole: tenant.configuringRole, mappings };
      const text = [`roles:        ${tenant.roles.join(', ')} (highest first)`, `default role: ${tenant.defaultRole}`, `configuring:  ${tenant.configuringRole} or higher`, '', table(mappings, ['groupName', 'role', 'createdAt'])].join('\n');
      return { json, text };
    },
  },
  {
    name: 'roles default',
    usage: 'roles default <slug> <role>',
    summary: 'set the role of users no SCIM role or mapped group gives one',
    async run(ctx, args) {
      const tenant = await setDefaultRole(ctx.db, await tenantArg(ctx, args), positional(args, 1, 'role'));
      return { json: { slug: tenant.slug, defaultRole: tenant.defaultRole }, text: `default role of ${tenant.slug}: ${tenant.defaultRole}` };
    },
  },
  {
    name: 'roles configuring',
    usage: 'roles configuring <slug> <role>',
    summary: "set the lowest role that may change the tenant's configuration in its admin console (default admin)",
    async run(ctx, args) {
      const tenant = await setConfiguringRole(ctx.db, await tenantArg(ctx, args), positional(args, 1, 'role'));
      return { json: { slug: tenant.slug, configuringRole: tenant.configuringRole }, text: `${tenant.slug}'s console: ${tenant.configuringRole} or higher may change its configuration` };
    },
  },
];
