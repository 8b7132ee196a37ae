/**
 * The port through which SCIM reads a tenant's users: served by that tenant's object from its
 * serving copy, after the object has checked the caller's token (src/tenant-object/access-copy.ts).
 */
import type { Env } from '../../env.ts';
import type { AccessAnnouncer } from '../../tenants/access-announcer.ts';
import { tenantObjectStub } from '../../tenant-object-stub.ts';
import type { TokenCheck } from '../auth/token-guard.ts';
import type { ListQuery } from '../storage/list-query.ts';
import type { FoundUser, UserPage } from '../users/user-reads.ts';
import type { GroupRow } from '../groups/group-rows.ts';
import type { MemberRow } from '../groups/group-members.ts';
import type { Page } from '../storage/list.ts';
import type { WriteOutcome } from './write-outcome.ts';

/** What every read carries: the tenant and the caller's token, which the object checks first. */
export interface TenantReadRequest {
  tenantId: string;
  tokenCheck: TokenCheck;
}

/** The reads (a refused token answers 401, with no data). */
export interface TenantReads {
  listUsers(request: TenantReadRequest & { query: ListQuery }): Promise<WriteOutcome<UserPage>>;
  findUser(request: TenantReadRequest & { id: string }): Promise<WriteOutcome<FoundUser | null>>;
  listGroups(request: TenantReadRequest & { query: ListQuery }): Promise<WriteOutcome<Page<GroupRow>>>;
  findGroup(request: TenantReadRequest & { id: string }): Promise<WriteOutcome<GroupRow | null>>;
  /** The first `limit` members of all of `groupIds`, by group and user id. */
  groupMembers(request: TenantReadRequest & { groupIds: string[]; limit: number }): Promise<WriteOutcome<MemberRow[]>>;
  /** The group's next `limit` members after user id `after`. */
  groupMembersAfter(request: TenantReadRequest & { groupId: string; after: string; limit: number }): Promise<WriteOutcome<MemberRow[]>>;
}

/** Tells a tenant's object that its tokens or SCIM switch changed in D1 (it reads them again). */
export interface TenantAccess {
  accessChanged(tenantId: string): Promise<void>;
}

export function tenantReads(env: Env, tenantId: string): TenantReads {
  return tenantObjectStub(env, tenantId) as unknown as TenantReads;
}

/** After D1 committed a change of who may call the tenant: its object forgets what it knew. */
export async function announceAccessChanged(env: Env, tenantId: string): Promise<void> {
  await (tenantObjectStub(env, tenantId) as unknown as TenantAccess).accessChanged(tenantId);
}

/** The announcer the store functions that narrow access take, for code running in the Worker. */
export function accessAnnouncer(env: Env): AccessAnnouncer {
  return (tenantId) => announceAccessChanged(env, tenantId);
}
