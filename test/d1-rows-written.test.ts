/**
 * The rows D1 reads and writes for each kind of Okta-shaped write (test/support/write-rows.ts), as
 * D1 itself reports them. Pinned exactly: a statement, an index or a rewritten column added to a
 * hot write shows here as a changed figure, and bench/rows-written.ts prints the same table.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { freshTenantCheck, measureWriteRows } from './support/write-rows.ts';
import { uniqueSlug } from './support/tenants.ts';

describe('D1 rows per write', () => {
  it('each Okta-shaped write costs what the storage design says', async () => {
    const rows = await measureWriteRows(env.DB, await freshTenantCheck(env.DB, uniqueSlug('rows')));
    const written = Object.fromEntries(rows.map((r) => [r.kind, r.rowsWritten]));
    // Where each figure comes from: bench/README.md (Rows written per write).
    expect(written).toEqual({
      'user create': 16,
      'user deactivate': 6,
      'user reactivate': 6,
      'user update (name.givenName)': 6,
      'group create': 14,
      'group member add': 10,
      'user create, 16 in one combined batch': 13.1875,
      'user delete': 11,
    });
    // Reads stay bounded too: no write's batch walks a table.
    for (const row of rows) expect(row.rowsRead, row.kind).toBeLessThan(40);
  });
});
