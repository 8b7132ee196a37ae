/** Group test fixtures: users made through POST /Users, groups and membership reads through the API. */
import { expect } from 'vitest';
import { oktaNewUser, type ScimClient } from './tenants.ts';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTRA_GROUP_URN = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

export interface ScimMember {
  value: string;
  display?: string;
  $ref?: string;
  type?: string;
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members?: ScimMember[];
  meta: { version: string; location: string; lastModified: string; created: string; resourceType: string };
  [key: string]: unknown;
}

let counter = 0;

/** `n` users of the tenant (POST /Users), as `{id, userName}`. */
export async function createUsers(scim: ScimClient, n: number, prefix = 'member'): Promise<{ id: string; userName: string; displayName: string }[]> {
  const batch = ++counter;
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await scim.post('/Users', oktaNewUser(`${prefix}.n${batch}x${i}@acme.com`));
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; userName: string; displayName: string };
    }),
  );
}

/** POST /Groups, expecting 201. */
export async function createGroup(scim: ScimClient, displayName: string, memberIds: string[] = [], extra: Record<string, unknown> = {}): Promise<ScimGroup> {
  const res = await scim.post('/Groups', { schemas: [GROUP_URN], displayName, members: memberIds.map((value) => ({ value })), ...extra });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as ScimGroup;
}

/** PATCH /Groups/{id} with `operations`. */
export function patchGroup(scim: ScimClient, id: string, operations: unknown[], headers?: Record<string, string>) {
  return scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: operations }, headers);
}

/** GET /Groups/{id}, expecting 200. */
export async function getGroup(scim: ScimClient, id: string, query = ''): Promise<ScimGroup> {
  const res = await scim.get(`/Groups/${id}${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ScimGroup;
}

/** The group's member ids, sorted. */
export async function memberIdsOf(scim: ScimClient, id: string): Promise<string[]> {
  return ((await getGroup(scim, id)).members ?? []).map((m) => m.value).sort();
}

/** `ids` sorted, for comparing with `memberIdsOf`. */
export const sorted = (ids: readonly string[]) => [...ids].sort();
