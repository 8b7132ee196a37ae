/**
 * The port SCIM owns and the tenant object implements: every user and group write of a tenant is a
 * call on this interface, served by that tenant's single writer. Callers below the object name
 * only this port, never the object's class.
 */
import type { AuditActor } from '../../audit/audit-log.ts';
import type { Env } from '../../env.ts';
import { tenantObjectStub } from '../../tenant-object-stub.ts';
import type { GroupRow } from '../groups/group-rows.ts';
import type { WrittenGroup } from '../groups/group-writes.ts';
import type { PatchRequest } from '../patch/request.ts';
import type { TokenCheck } from '../auth/token-guard.ts';
import type { UserRow } from '../users/user-rows.ts';
import type { WrittenUser } from '../users/user-writes.ts';
import type { WriteOutcome } from './write-outcome.ts';

/** What every write request carries: the tenant (as authenticated) and who acts. */
export interface TenantWriteRequest {
  tenantId: string;
  tenantRoles: string[];
  /** `token:<id>` for SCIM, `oidc` for sign-in provisioning. */
  actor: AuditActor;
  /** The tenant's SCIM base URL as this request reached it (`…/scim/v2/{slug}`): events carry resources located under it. */
  baseUrl: string;
  /** A SCIM token not yet checked in this request: the write's batch checks it (src/scim/auth/token-guard.ts). */
  tokenCheck?: TokenCheck;
}

type WithId = TenantWriteRequest & { id: string; ifMatch?: string };

/** The writes of one tenant's users and groups (RFC 7644 §3.3, §3.5, §3.6), answered as plain data across RPC. */
export interface TenantWrites {
  createUser(request: TenantWriteRequest & { body: unknown }): Promise<WriteOutcome<UserRow>>;
  replaceUser(request: WithId & { body: unknown }): Promise<WriteOutcome<WrittenUser>>;
  patchUser(request: WithId & { patch: PatchRequest }): Promise<WriteOutcome<WrittenUser>>;
  deleteUser(request: WithId): Promise<WriteOutcome<null>>;
  createGroup(request: TenantWriteRequest & { body: unknown }): Promise<WriteOutcome<WrittenGroup>>;
  replaceGroup(request: WithId & { body: unknown }): Promise<WriteOutcome<WrittenGroup>>;
  patchGroup(request: WithId & { patch: PatchRequest }): Promise<WriteOutcome<GroupRow>>;
  deleteGroup(request: WithId): Promise<WriteOutcome<null>>;
}

/**
 * The writer of tenant `tenantId` (`idFromName(tenantId)`). `Env` names the namespace without its
 * class, which sits above everything that imports `Env`; RPC results are structured clones of
 * plain data, so the stub is this port.
 */
export function tenantWrites(env: Env, tenantId: string): TenantWrites {
  return tenantObjectStub(env, tenantId) as unknown as TenantWrites;
}
