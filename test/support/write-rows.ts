/**
 * What each kind of SCIM write costs in D1, in D1's own terms: the rows its batch reads and writes
 * (`meta.rows_read` / `meta.rows_written`, which D1 bills and which bound the shared database) and
 * the D1 calls it makes. Each write runs as the tenant object runs it — its write functions, row
 * memory, group commit and token guard — alone, then sixteen creates handed in together as one
 * combined batch. Shared by test/d1-rows-written.test.ts (workerd) and bench/rows-written.ts
 * (Node, through Miniflare's D1), so the bench reports exactly what the test pins.
 */
import { database } from '../../src/db/client.ts';
import { createScimToken, createTenant, enableScim } from '../../src/tenants/tenant-store.ts';
import { hashToken } from '../../src/tenants/tokens.ts';
import { createGroup, patchGroup } from '../../src/scim/groups/group-writes.ts';
import type { GroupRow } from '../../src/scim/groups/group-rows.ts';
import { patchRequestSchema } from '../../src/scim/patch/request.ts';
import { tokenCheckKey, tokenGuard, type TokenCheck } from '../../src/scim/auth/token-guard.ts';
import type { WriteContext } from '../../src/scim/storage/write-context.ts';
import { createUser, deleteUser, patchUser } from '../../src/scim/users/user-writes.ts';
import type { UserRow } from '../../src/scim/users/user-rows.ts';
import { GroupCommitD1 } from '../../src/tenant-object/group-commit.ts';
import { RowCache } from '../../src/tenant-object/row-cache.ts';
import { observedD1 } from './observed-d1.ts';
import { oktaAddMembers, oktaNewGroup, oktaNewUser, oktaRemoveMember, oktaRenameGroup, oktaSetActive } from './okta-bodies.ts';

/** One kind of write: D1 calls, statements in its batches, and the rows those batches read and wrote (per write). */
export interface WriteRows {
  kind: string;
  d1Calls: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

/** D1 with a tally of its calls and of its batches' meta. */
function meteredD1(d1: D1Database) {
  const tally = { d1Calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
  const binding = observedD1(d1, async (kind, call) => {
    tally.d1Calls++;
    const result = await call();
    if (kind === 'batch') {
      for (const { meta } of result as D1Result[]) {
        tally.statements++;
        tally.rowsRead += meta.rows_read;
        tally.rowsWritten += meta.rows_written;
      }
    }
    return result;
  });
  return { binding, tally };
}

/** A fresh SCIM-enabled tenant `slug` with one live token, as the check a request of that token carries. */
export async function freshTenantCheck(d1: D1Database, slug: string): Promise<TokenCheck> {
  const db = database(d1);
  const tenant = await enableScim(db, await createTenant(db, slug));
  const { info, token } = await createScimToken(db, tenant, 'rows', undefined);
  return { tokenId: info.id, tokenHash: await hashToken(token), tenantId: tenant.id, slug, roles: tenant.roles };
}

/**
 * Runs the Okta-shaped writes on tenant `check.tenantId` (SCIM-enabled, `check` a live token of
 * it) and returns what each cost. The tenant should be fresh: a bucket's first user costs a row more.
 */
export async function measureWriteRows(d1: D1Database, check: TokenCheck): Promise<WriteRows[]> {
  const { binding, tally } = meteredD1(d1);
  const commits = new GroupCommitD1(binding, () => undefined);
  const ctx: WriteContext = {
    db: database(commits),
    tenantId: check.tenantId,
    tenantRoles: check.roles,
    actor: `token:${check.tokenId}`,
    baseUrl: `https://edge.example/scim/v2/${check.slug}`,
    users: new RowCache<UserRow>(),
    groups: new RowCache<GroupRow>(),
  };
  // As the tenant object does: the request's token check rides the write's batch.
  const guarded = async <T>(write: () => Promise<T>): Promise<T> => {
    const guard = commits.guardNextBatch(tokenGuard(binding, check), tokenCheckKey(check));
    try {
      return await write();
    } finally {
      commits.clearGuard(guard);
    }
  };
  const rows: WriteRows[] = [];
  const measure = async <T>(kind: string, writes: number, run: () => Promise<T>): Promise<T> => {
    Object.assign(tally, { d1Calls: 0, statements: 0, rowsRead: 0, rowsWritten: 0 });
    const result = await run();
    rows.push({ kind, d1Calls: tally.d1Calls / writes, statements: tally.statements / writes, rowsRead: tally.rowsRead / writes, rowsWritten: tally.rowsWritten / writes });
    return result;
  };
  const patch = (body: unknown) => patchRequestSchema.parse(body);

  await guarded(() => createUser(ctx, oktaNewUser('first.user@example.com')));
  const user = await measure('user create', 1, () => guarded(() => createUser(ctx, oktaNewUser('ada.lovelace@example.com'))));
  await measure('user deactivate', 1, () => guarded(() => patchUser(ctx, user.id, patch(oktaSetActive(false)), undefined)));
  await measure('user reactivate', 1, () => guarded(() => patchUser(ctx, user.id, patch(oktaSetActive(true)), undefined)));
  await measure('user update (name.givenName)', 1, () =>
    guarded(() => patchUser(ctx, user.id, patch({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'name.givenName', value: 'Augusta' }] }), undefined)),
  );
  const group = await measure('group create', 1, () => guarded(() => createGroup(ctx, oktaNewGroup('Engineering'))));
  await measure('group member add', 1, () => guarded(() => patchGroup(ctx, group.id, patch(oktaAddMembers([{ value: user.id, display: user.userName }])), undefined)));
  await measure('group rename (one member)', 1, () => guarded(() => patchGroup(ctx, group.id, patch(oktaRenameGroup(group.id, 'Platform')), undefined)));
  // Another member leaves; the first stays a member for its delete below.
  const leaver = await guarded(() => createUser(ctx, oktaNewUser('charles.babbage@example.com')));
  await guarded(() => patchGroup(ctx, group.id, patch(oktaAddMembers([{ value: leaver.id, display: leaver.userName }])), undefined));
  await measure('group member remove (one member)', 1, () => guarded(() => patchGroup(ctx, group.id, patch(oktaRemoveMember(leaver.id)), undefined)));
  // Okta's push of a changed membership: one leaves, one joins, in one PATCH (the first comes back after, for its delete below).
  const joiner = await guarded(() => createUser(ctx, oktaNewUser('grace.hopper@example.com')));
  const mixed = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [...oktaRemoveMember(user.id).Operations, ...oktaAddMembers([{ value: joiner.id, display: joiner.userName }]).Operations] };
  await measure('group members: one removed, one added', 1, () => guarded(() => patchGroup(ctx, group.id, patch(mixed), undefined)));
  await guarded(() => patchGroup(ctx, group.id, patch(oktaAddMembers([{ value: user.id, display: user.userName }])), undefined));
  await measure('user create, 16 in one combined batch', 16, () =>
    Promise.all(Array.from({ length: 16 }, (_, i) => guarded(() => createUser(ctx, oktaNewUser(`batch.user${i}@example.com`))))),
  );
  await measure('user delete', 1, () => guarded(() => deleteUser(ctx, user.id, undefined)));
  return rows;
}
