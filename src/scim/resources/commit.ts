/** Runs a write's D1 batch (one transaction) and maps the backstops' failures to SCIM errors. */
import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { Database } from '../../db/client.ts';
import { ScimError } from '../../http/errors.ts';
import { isTokenRefused } from '../token-guard.ts';
import { batchCompiled, type CompiledRun } from './compiled-statement.ts';
import { isVersionConflict } from './version.ts';

/** How a failed batch is explained: the resource's name, and its 409 `uniqueness` error. */
export interface CommitErrors {
  resource: string;
  uniqueness: () => ScimError;
}

async function explained<T>(errors: CommitErrors, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isTokenRefused(err)) throw new ScimError(401, undefined, 'The SCIM token was refused.');
    if (isVersionConflict(err)) throw new ScimError(409, undefined, `The ${errors.resource} changed during this request; retry it.`);
    if (err instanceof Error && /UNIQUE constraint failed/.test(err.message + String(err.cause ?? ''))) throw errors.uniqueness();
    throw err;
  }
}

/**
 * Runs `statements` as one batch and returns each one's result (rows of a `.returning()`): a
 * version-guard abort is 409 "retry", a unique-index failure is `errors.uniqueness()`.
 */
export function commitBatch<T extends [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]>(db: Database, statements: T, errors: CommitErrors): Promise<BatchResponse<T>> {
  return explained(errors, () => db.batch(statements));
}

/** `commitBatch` for compiled statements (src/scim/resources/compiled-statement.ts): each run's decoded rows. */
export function commitCompiled(db: Database, runs: readonly CompiledRun[], errors: CommitErrors): Promise<unknown[][]> {
  return explained(errors, () => batchCompiled(db.$client, runs));
}
