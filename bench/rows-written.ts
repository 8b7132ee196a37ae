/**
 * `node bench/rows-written.ts`: D1's own `meta.rows_read` / `meta.rows_written` (what D1 bills,
 * and what bounds the one database every tenant shares) and the D1 calls of each kind of
 * Okta-shaped write, run as the tenant object runs it against the local runtime's D1 with every
 * migration applied. test/d1-rows-written.test.ts pins the same measurement.
 */
import { applyMigrations, startLocalD1 } from '../test/support/local-worker.ts';
import { freshTenantCheck, measureWriteRows } from '../test/support/write-rows.ts';

const { d1, stop } = await startLocalD1();
try {
  await applyMigrations(d1);
  const rows = await measureWriteRows(d1, await freshTenantCheck(d1, 'rows'));
  for (const row of rows) console.log(JSON.stringify(row));
  console.error('\n| write | D1 calls | statements | rows read | rows written |\n|---|---:|---:|---:|---:|');
  for (const r of rows) console.error(`| ${r.kind} | ${r.d1Calls} | ${r.statements} | ${r.rowsRead} | ${r.rowsWritten} |`);
} finally {
  await stop();
}
