/**
 * The rows D1 reads and writes for each kind of Okta-shaped write (test/support/write-rows.ts), as
 * D1 itself reports them. Pinned exactly: a statement, an index or a rewritten column added to a
 * hot write shows here as a changed figure, and bench/rows-written.ts prints the same table.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { freshTenantCheck, measureWriteRows } from './support/write-rows.ts';
import { seedDirectory } from './support/seed-directory.ts';
import { uniqueSlug } from './support/tenants.ts';

describe('D1 rows per write', () => {
  it('each Okta-shaped write costs what the storage design says', async () => {
    const rows = await measureWriteRows(env.DB, await freshTenantCheck(env.DB, uniqueSlug('rows')));
    const written = Object.fromEntries(rows.map((r) => [r.kind, r.rowsWritten]));
    // Where each figure comes from: bench/README.md (Rows written per write).
    expect(written).toEqual({
      'user create': 12,
      'user deactivate': 4,
      'user reactivate': 4,
      'user update (name.givenName)': 4,
      'group create': 9,
      'group member add': 6,
      'group rename (one member)': 5,
      'group member remove (one member)': 5,
      'group members: one removed, one added': 9,
      'user create, 16 in one combined batch': 11.0625,
      'user delete': 8,
    });
    const of = (kind: string) => rows.find((r) => r.kind === kind)!;
    // Member adds and removes are decided in their batch: no read of the membership before it.
    for (const kind of ['group member add', 'group member remove (one member)', 'group members: one removed, one added']) expect(of(kind).d1Calls, kind).toBe(1);
    // Reads stay bounded too: no write's batch walks a table; a change of two memberships reads what its add and its remove read.
    for (const row of rows.filter((r) => r.kind !== 'group members: one removed, one added')) expect(row.rowsRead, row.kind).toBeLessThan(40);
    expect(of('group members: one removed, one added').rowsRead).toBeLessThanOrEqual(of('group member add').rowsRead + of('group member remove (one member)').rowsRead);
  });

  it("reads about as many rows in a tenant of 3,000 users in 30 groups as in an empty one: no write's statement walks the tenant", async () => {
    const empty = await measureWriteRows(env.DB, await freshTenantCheck(env.DB, uniqueSlug('rows')));
    const seeded = await freshTenantCheck(env.DB, uniqueSlug('rows'));
    await seedDirectory(env.DB, seeded.tenantId, 3000);
    const emptyRead = new Map(empty.map((r) => [r.kind, r.rowsRead]));
    // A seek in a fuller index may step over a neighbour or two; a walk of the tenant reads 30 groups or 3,000 users more.
    for (const row of await measureWriteRows(env.DB, seeded)) expect(row.rowsRead, row.kind).toBeLessThanOrEqual(emptyRead.get(row.kind)! + 3);
  });
});
