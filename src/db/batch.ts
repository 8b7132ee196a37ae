/** D1 binds at most 100 parameters a statement: multi-row inserts are split to stay under it. */
const MAX_BOUND_PARAMETERS = 100;

/** `rows` in chunks small enough that each multi-row INSERT binds at most 100 parameters. */
export function insertChunks<T extends object>(rows: T[]): T[][] {
  if (rows.length === 0) return [];
  const perRow = Math.max(1, Object.keys(rows[0]!).length);
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / perRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
