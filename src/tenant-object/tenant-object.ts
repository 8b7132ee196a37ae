import { DurableObject } from 'cloudflare:workers';
import { database, type Database } from '../db/client.ts';
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
import type { TenantAccess, TenantReadRequest, TenantReads } from '../scim/port/tenant-reads.ts';
import type { ListQuery } from '../scim/storage/list-query.ts';
import { findUser, userPage, type FoundUser, type UserPage } from '../scim/users/user-reads.ts';
import { findGroup, groupPage, membersIn } from '../scim/groups/group-reads.ts';
import type { MemberRow } from '../scim/groups/group-members.ts';
import type { Page } from '../scim/storage/list.ts';
import { ScimError } from '../http/errors.ts';
import { AccessCopy } from './access-copy.ts';
import { ObjectSql } from './object-sql.ts';
import { ServingCopy, tenantOfRebuild } from './serving-copy.ts';

/** Rows of a rebuild copied before the read that found it needed is answered: a tenant this small is served from its copy at once. */
const REBUILD_ROWS_INLINE = 5_000;

/**
 * One instance per tenant (`idFromName(tenantId)`): the single writer of that tenant's users and
 * groups. Every RPC method that writes goes through `writes`, so one tenant's writes never
 * interleave while other tenants' objects run in parallel; their D1 batches are group-committed.
 */
export class TenantObject extends DurableObject<Env> implements TenantWrites, TenantReads, TenantAccess, LoginAttemptLedger {
  // Private fields, not `protected` members: Workers RPC exposes every method the class declares.
  readonly #writes = new WriteQueue();
  /**
   * D1 with group commit: a write's batch releases the queue and joins the next combined batch,
   * which ends with the serving copy's tail (once the copy exists).
   */
  readonly #d1 = new GroupCommitD1(this.env.DB, () => this.#writes.releaseCurrent(), {
    tail: () => this.#copy?.tail(),
    applyTail: (results, returned) => this.#copy?.applyTail(results, returned),
    invalidate: () => this.#copy?.invalidate(),
  });
  readonly #users = new RowCache<UserRow>();
  /** The tenant this object was named after, once a request has proven it (idFromName is derived once, not per request). */
  #tenantId: string | undefined;
  readonly #groups = new RowCache<GroupRow>();
  /** The tenant's directory in this object's SQLite, which reads are answered from. */
  #copy: ServingCopy | undefined;
  #access: AccessCopy | undefined;
  /** The serving copy as a database the read queries take. */
  readonly #copyDb: Database = database(new ObjectSql(this.ctx.storage));

  /** Proves that this object serves `tenantId`: a request for another is a caller's bug, never served. */
  #serve(tenantId: string): void {
    if (tenantId === this.#tenantId) return;
    if (this.#tenantId !== undefined || !this.ctx.id.equals(this.env.TENANT.idFromName(tenantId))) {
      throw new Error(`tenant object ${this.ctx.id.toString()} was asked to serve tenant ${tenantId}`);
    }
    this.#tenantId = tenantId;
    this.#copy = new ServingCopy(this.ctx.storage, this.env.DB, tenantId);
    this.#access = new AccessCopy(this.env.DB, tenantId);
  }

  #forget(resourceType: 'User' | 'Group', id: string | null): void {
    if (id) (resourceType === 'User' ? this.#users : this.#groups).delete(id);
  }

  /** Runs a write in the queue; a refused write still leaves an audit row. */
  #write<T>(request: TenantWriteRequest, action: string, resourceType: 'User' | 'Group', resourceId: string | null, run: (ctx: WriteContext) => Promise<T>): Promise<WriteOutcome<T>> {
    try {
      this.#serve(request.tenantId);
    } catch (err) {
      return Promise.reject(err);
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
   * Runs a read on the serving copy, once the caller's token is known live and every write handed
   * in before it is committed and applied (read-your-writes). A copy not checked against D1 since
   * the object started catches up first, with no write in flight; one that needs rebuilding copies
   * its first page then, and until it is whole, reads go to D1 and an alarm copies the rest.
   */
  async #read<T>(request: TenantReadRequest, read: (db: Database) => Promise<T>): Promise<WriteOutcome<T>> {
    this.#serve(request.tenantId);
    if (!(await this.#access!.allows(request.tokenCheck))) {
      return toOutcome(() => Promise.reject(new ScimError(401, undefined, 'The token is not live for this tenant.')));
    }
    await this.#d1.settled();
    const copy = this.#copy!;
    if (!copy.following) {
      await this.#writes.run(async () => {
        await this.#d1.settled();
        if (copy.following) return;
        await copy.bringUpToDate();
        for (let rows = 0; copy.rebuilding && rows < REBUILD_ROWS_INLINE; ) rows += await copy.copyPage();
      });
    }
    // Each read of an unfinished copy sets the alarm again: a rebuild whose alarm gave up resumes.
    if (copy.rebuilding) await this.#rebuildLater();
    return toOutcome(() => read(copy.current ? this.#copyDb : database(this.env.DB)));
  }

  /** Has the alarm go on with the rebuild now, unless it is set to fire sooner. */
  async #rebuildLater(): Promise<void> {
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * One page of a rebuild per alarm invocation, in a turn of the write queue, then the alarm again
   * while pages are left. One page, not more: in the local runtime a request for the tenant waits
   * for the alarm invocation under way (bench/README.md, "Lookups while a copy is rebuilt").
   */
  async #continueRebuild(): Promise<void> {
    const tenantId = this.#tenantId ?? tenantOfRebuild(this.ctx.storage);
    if (tenantId === undefined) return;
    this.#serve(tenantId);
    const copy = this.#copy!;
    // The sign-in sweep's alarm of a copy that is whole: no turn in the write queue.
    if (copy.following && !copy.rebuilding) return;
    await this.#writes.run(async () => {
      await this.#d1.settled();
      if (!copy.following) await copy.bringUpToDate();
      if (copy.rebuilding) await copy.copyPage();
    });
    if (copy.rebuilding) await this.#rebuildLater();
  }

  /** GET /Users, POST /Users/.search (RFC 7644 §3.4.2, §3.4.3). */
  listUsers(request: TenantReadRequest & { query: ListQuery }): Promise<WriteOutcome<UserPage>> {
    return this.#read(request, (db) => userPage(db, request.tenantId, request.query));
  }

  /** GET /Users/{id} (RFC 7644 §3.4.1). */
  findUser(request: TenantReadRequest & { id: string }): Promise<WriteOutcome<FoundUser | null>> {
    return this.#read(request, (db) => findUser(db, request.tenantId, request.id));
  }

  /** GET /Groups, POST /Groups/.search (RFC 7644 §3.4.2, §3.4.3): the page; members apart. */
  listGroups(request: TenantReadRequest & { query: ListQuery }): Promise<WriteOutcome<Page<GroupRow>>> {
    return this.#read(request, (db) => groupPage(db, request.tenantId, request.query));
  }

  /** GET /Groups/{id} (RFC 7644 §3.4.1): the group; members apart. */
  findGroup(request: TenantReadRequest & { id: string }): Promise<WriteOutcome<GroupRow | null>> {
    return this.#read(request, (db) => findGroup(db, request.tenantId, request.id));
  }

  /** The first members of a response's groups. */
  groupMembers(request: TenantReadRequest & { groupIds: string[]; limit: number }): Promise<WriteOutcome<MemberRow[]>> {
    return this.#read(request, (db) => membersIn(db, request.tenantId).first(request.groupIds, request.limit));
  }

  /** A large group's next members, as its response streams them. */
  groupMembersAfter(request: TenantReadRequest & { groupId: string; after: string; limit: number }): Promise<WriteOutcome<MemberRow[]>> {
    return this.#read(request, (db) => membersIn(db, request.tenantId).after(request.groupId, request.after, request.limit));
  }

  /**
   * The tenant's tokens or SCIM switch changed in D1: read them again. A deleted tenant's object
   * also lets go of its serving copy (D1 deletes the rest in chunks).
   */
  async accessChanged(tenantId: string): Promise<void> {
    this.#serve(tenantId);
    const { gone } = await this.#access!.reload();
    if (gone) {
      await this.#writes.run(async () => {
        await this.#d1.settled();
        await this.ctx.storage.deleteAll();
        this.#copy!.discard();
      });
    }
  }

  /**
   * Marks a sign-in attempt used: true the first time, false for a replayed callback. Kept here, not
   * in KV, because single use needs a strongly consistent check (see src/oidc/login-state.ts).
   */
  consumeLoginAttempt(attemptId: string, expiresAtMs: number): Promise<boolean> {
    return consumeAttempt(this.ctx.storage, attemptId, expiresAtMs);
  }

  /** Sweeps consumed sign-in attempts once they have expired, and goes on with a rebuild of the serving copy. */
  override async alarm(): Promise<void> {
    // The sweep first: it sets the alarm for the next expiry, which the rebuild's sooner one overrides.
    await sweepAttempts(this.ctx.storage);
    await this.#continueRebuild();
  }
}
