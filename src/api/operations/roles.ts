/** A tenant's roles: the catalog, the default role, and which groups grant which role at sign-in. */
import { z } from 'zod';
import { listRoleMappings, mapGroupsToRoles, setConfiguringRole, setDefaultRole, unmapGroups } from '../../tenants/role-mappings.ts';
import { operation } from '../operation.ts';
import { slugParams, timestamp } from '../schemas.ts';

const mapping = z.object({ groupName: z.string(), role: z.string(), createdAt: timestamp }).meta({ id: 'RoleMapping' });
const rolesAnswer = z
  .object({ roles: z.array(z.string()).meta({ description: 'Highest first.' }), defaultRole: z.string(), configuringRole: z.string().meta({ description: 'The lowest role that may change configuration in the admin console.' }), mappings: z.array(mapping) })
  .meta({ id: 'Roles' });

export const roleOperations = [
  operation({
    method: 'get',
    path: '/tenants/{slug}/roles',
    id: 'getRoles',
    tag: 'Roles',
    summary: "Read the tenant's role catalog, default role and group mappings",
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: rolesAnswer,
    handle: async ({ db, tenant }) => ({ roles: tenant.roles, defaultRole: tenant.defaultRole, configuringRole: tenant.configuringRole, mappings: await listRoleMappings(db, tenant) }),
  }),
  operation({
    method: 'post',
    path: '/tenants/{slug}/role-mappings',
    id: 'mapGroups',
    tag: 'Roles',
    summary: 'Grant roles to the members of groups',
    description: "A group is matched by its displayName or externalId, case-insensitively; a mapping replaces the group's earlier one. Every role must be in the catalog, else nothing changes.",
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ mappings: z.array(z.strictObject({ groupName: z.string().min(1).max(256), role: z.string().min(1).max(100) })).min(1).max(500) }),
    status: 200,
    response: z.object({ mapped: z.array(mapping) }),
    handle: async ({ db, tenant, body, actor }) => ({ mapped: await mapGroupsToRoles(db, tenant, body.mappings, actor) }),
  }),
  operation({
    method: 'delete',
    path: '/tenants/{slug}/role-mappings/{groupName}',
    id: 'unmapGroup',
    tag: 'Roles',
    summary: "Remove a group's role mapping",
    access: 'tenant',
    params: slugParams.extend({ groupName: z.string().min(1).max(256) }),
    status: 200,
    response: mapping,
    handle: async ({ db, tenant, params, actor }) => (await unmapGroups(db, tenant, [params.groupName], actor))[0]!,
  }),
  operation({
    method: 'put',
    path: '/tenants/{slug}/default-role',
    id: 'setDefaultRole',
    tag: 'Roles',
    summary: 'Set the role of users no SCIM role or mapped group gives one',
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ role: z.string().min(1).max(100) }),
    status: 200,
    response: z.object({ defaultRole: z.string() }),
    handle: ({ db, tenant, body, actor }) => setDefaultRole(db, tenant, body.role, actor),
  }),
  operation({
    method: 'put',
    path: '/tenants/{slug}/configuring-role',
    id: 'setConfiguringRole',
    tag: 'Roles',
    summary: "Set the lowest role that may change the tenant's configuration in its admin console",
    description: 'Lower roles see the console read-only. Default `admin`.',
    access: 'tenant',
    params: slugParams,
    body: z.strictObject({ role: z.string().min(1).max(100) }),
    status: 200,
    response: z.object({ configuringRole: z.string() }),
    handle: ({ db, tenant, body, actor }) => setConfiguringRole(db, tenant, body.role, actor),
  }),
];
