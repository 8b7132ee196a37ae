import { DurableObject } from 'cloudflare:workers';
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { auditRun } from '../audit/audit-log.ts';
import { runCompiled } from '../db/compiled-statement.ts';
import type { PatchRequest } from '../scim/patch/request.ts';
import { toOutcome, type WriteOutcome } from '../scim/port/write-outcome.ts';
import type { TenantWriteRequest, TenantWrites } from '../scim/port/tenant-writes.ts';
import { tokenCheckKey, tokenGuard } from '../scim/auth/token-guard.ts';
import { createGroup, deleteGroup, patchGroup, replaceGroup, type WrittenGroup } from '../scim/groups/group-writes.ts';
import type { GroupRow } from '../scim/groups/group-rows.ts';
import type { UserRow } from '../scim/users/user-rows.ts';
import type { WriteContext } from '../scim/storage/write-context.ts';
import { createUser, deleteUser, patchUser, replaceUser, type WrittenUser } from '../scim/users/user-writes.ts';
import { consumeAttempt, sweepAttempts, type LoginAttemptLedger } from '../oidc/login-attempts.ts';
import { GroupCommitD1 } from './group-commit.ts';
import { RowCache } from './row-cache.ts';
import { WriteQueue } from './write-queue.ts';
import { announceChange } from '../webhooks/kicks.ts';

/**
 * One instance per tenant (`idFromName(tenantId)`): the single writer of that tenant's users and
 * groups. Every RPC method that writes goes through `writes`, so one tenant's writes never
 * interleave while other tenants' objects run in parallel; their D1 batches are group-committed.
 */
export class TenantObject extends DurableObject<Env> implements TenantWrites, LoginAttemptLedger {
  // Private fields, not `protected` members: Workers RPC exposes every method the class declares.
  readonly #writes = new WriteQueue();
  /** D1 with group commit: a write's batch releases the queue and joins the next combined batch. */
  readonly #d1 = new GroupCommitD1(this.env.DB, () => this.#writes.releaseCurrent());
  readonly #users = new RowCache<UserRow>();
  /** The tenant this object was named after, once a write has proven it (idFromName is derived once, not per write). */
  #tenantId: string | undefined;
  readonly #groups = new RowCache<GroupRow>();

  #forget(resourceType: 'User' | 'Group', id: string | null): void {
    if (id) (resourceType === 'User' ? this.#users : this.#groups).delete(id);
  }

  /** Runs a write in the queue; a refused write still leaves an audit row. */
  #write<T>(request: TenantWriteRequest, action: string, resourceType: 'User' | 'Group', resourceId: string | null, run: (ctx: WriteContext) => Promise<T>): Promise<WriteOutcome<T>> {
    // This object is `idFromName(tenantId)` of exactly one tenant: a request for another is a caller's bug, never served.
    if (request.tenantId !== this.#tenantId) {
      if (this.#tenantId !== undefined || !this.ctx.id.equals(this.env.TENANT.idFromName(request.tenantId))) {
        return Promise.reject(new Error(`tenant object ${this.ctx.id.toString()} was asked to write for tenant ${request.tenantId}`));
      }
      this.#tenantId = request.tenantId;
    }
    const ctx: WriteContext = { db: database(this.#d1), tenantId: request.tenantId, tenantRoles: request.tenantRoles, actor: request.actor, baseUrl: request.baseUrl, users: this.#users, groups: this.#groups };
    return this.#writes.run(async () => {
      const guard = request.tokenCheck && this.#d1.guardNextBatch(tokenGuard(this.env.DB, request.tokenCheck), tokenCheckKey(request.tokenCheck));
      const outcome = await toOutcome(() => run(ctx)).finally(() => guard && this.#d1.clearGuard(guard)).catch((err: unknown) => {
        this.#forget(resourceType, resourceId);
        throw err;
      });
      // A failed write may have left the row it decided on in memory: D1 is the truth again.
      if (!outcome.ok) this.#forget(resourceType, resourceId);
      // A refused token (401) is no write of this tenant's: it leaves no audit row, as before it reached the object.
      // Run alone, not as a batch: a batch would take the guard of the write that started meanwhile and release it from the queue.
      if (!outcome.ok && outcome.status !== 401) {
        await runCompiled(ctx.db.$client, auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action, resourceType, resourceId, outcome: 'failure', status: outcome.status, detail: outcome.detail }));
      }
      // The change and its events committed: the webhook side hears of it (not awaited: the answer does not wait for the queue).
      if (outcome.ok) void announceChange(this.env, request.tenantId);
      return outcome.ok && guard?.used ? { ...outcome, tokenChecked: true } : outcome;
    });
  }

  /** POST /Users (RFC 7644 §3.3). */
  createUser(request: TenantWriteRequest & { body: unknown }): Promise<WriteOutcome<UserRow>> {
    return this.#write(request, 'user.create', 'User', null, (ctx) => createUser(ctx, request.body));
  }

  /** PUT /Users/{id} (RFC 7644 §3.5.1). */
  replaceUser(request: TenantWriteRequest & { id: string; body: unknown; ifMatch?: string }): Promise<WriteOutcome<WrittenUser>> {
    return this.#write(request, 'user.replace', 'User', request.id, (ctx) => replaceUser(ctx, request.id, request.body, request.ifMatch));
  }

  /** PATCH /Users/{id} (RFC 7644 §3.5.2). */
  patchUser(request: TenantWriteRequest & { id: string; patch: PatchRequest; ifMatch?: string }): Promise<WriteOutcome<WrittenUser>> {
    return this.#write(request, 'user.patch', 'User', request.id, (ctx) => patchUser(ctx, request.id, request.patch, request.ifMatch));
  }

  /** DELETE /Users/{id} (RFC 7644 §3.6). */
  deleteUser(request: TenantWriteRequest & { id: string; ifMatch?: string }): Promise<WriteOutcome<null>> {
    return this.#write(request, 'user.delete', 'User', request.id, async (ctx) => {
      await deleteUser(ctx, request.id, request.ifMatch);
      return null;
    });
  }

  /** POST /Groups (RFC 7644 §3.3). */
  createGroup(request: TenantWriteRequest & { body: unknown }): Promise<WriteOutcome<WrittenGroup>> {
    return this.#write(request, 'group.create', 'Group', null, (ctx) => createGroup(ctx, request.body));
  }

  /** PUT /Groups/{id} (RFC 7644 §3.5.1). */
  replaceGroup(request: TenantWriteRequest & { id: string; body: unknown; ifMatch?: string }): Promise<WriteOutcome<WrittenGroup>> {
    return this.#write(request, 'group.replace', 'Group', request.id, (ctx) => replaceGroup(ctx, request.id, request.body, request.ifMatch));
  }

  /** PATCH /Groups/{id} (RFC 7644 §3.5.2). */
  patchGroup(request: TenantWriteRequest & { id: string; patch: PatchRequest; ifMatch?: string }): Promise<WriteOutcome<GroupRow>> {
    return this.#write(request, 'group.patch', 'Group', request.id, (ctx) => patchGroup(ctx, request.id, request.patch, request.ifMatch));
  }

  /** DELETE /Groups/{id} (RFC 7644 §3.6). */
  deleteGroup(request: TenantWriteRequest & { id: string; ifMatch?: string }): Promise<WriteOutcome<null>> {
    return this.#write(request, 'group.delete', 'Group', request.id, async (ctx) => {
      await deleteGroup(ctx, request.id, request.ifMatch);
      return null;
    });
  }

  /**
   * Marks a sign-in attempt used: true the first time, false for a replayed callback. Kept here, not
   * in KV, because single use needs a strongly consistent check (see src/oidc/login-state.ts).
   */
  consumeLoginAttempt(attemptId: string, expiresAtMs: number): Promise<boolean> {
    return consumeAttempt(this.ctx.storage, attemptId, expiresAtMs);
  }

  /** Sweeps consumed sign-in attempts once they have expired. */
  override async alarm(): Promise<void> {
    await sweepAttempts(this.ctx.storage);
  }
}
