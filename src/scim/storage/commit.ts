/** Runs a write's D1 batch (one transaction) and maps the backstops' failures to SCIM errors. */
import type { Database } from '../../db/client.ts';
import { ScimError } from '../../http/errors.ts';
import { D1_RETRY_AFTER_SECONDS, D1Unavailable, mayHaveCommittedBefore } from '../../common/d1-failures.ts';
import { isTokenRefused } from '../auth/token-guard.ts';
import { batchCompiled, type CompiledRun } from '../../db/compiled-statement.ts';
import { isQuotaRefused } from './page-buckets.ts';
import { isVersionConflict } from './version.ts';

/** How a failed batch is explained: the resource's name, and its 409 `uniqueness` error. */
export interface CommitErrors<T = unknown> {
  resource: string;
  uniqueness: () => ScimError;
  /**
   * After a transient failure, a later attempt's constraint or version failure may be this very
   * batch, committed by the earlier attempt whose reply was lost: this looks at D1 and returns
   * what the batch would have answered if it did commit, or undefined if it did not.
   */
  committedAlready?: () => Promise<T | undefined>;
}

/** The SCIM answer while D1 stays unavailable: Okta and Entra back off on 503 with Retry-After. */
export function d1UnavailableError(): ScimError {
  return new ScimError(503, undefined, 'The directory database is busy; nothing was changed. Retry this request shortly.', { 'retry-after': String(D1_RETRY_AFTER_SECONDS) });
}

async function explained<T>(errors: CommitErrors<T>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof D1Unavailable) throw d1UnavailableError();
    if (mayHaveCommittedBefore(err) && errors.committedAlready && (isVersionConflict(err) || isUniqueFailure(err))) {
      const committed = await errors.committedAlready();
      if (committed !== undefined) return committed;
    }
    if (isTokenRefused(err)) throw new ScimError(401, undefined, 'The SCIM token was refused.');
    if (isQuotaRefused(err)) {
      throw new ScimError(507, undefined, `This tenant already holds as many ${errors.resource}s as its quota allows; nothing was created. Delete some, or ask the operator to raise the tenant's quota.`);
    }
    if (isVersionConflict(err)) throw new ScimError(409, undefined, `The ${errors.resource} changed during this request; retry it.`);
    if (isUniqueFailure(err)) throw errors.uniqueness();
    throw err;
  }
}

function isUniqueFailure(err: unknown): boolean {
  return err instanceof Error && /UNIQUE constraint failed/.test(err.message + String(err.cause ?? ''));
}

/**
 * Runs compiled statements (src/db/compiled-statement.ts) as one batch and returns each one's
 * decoded rows: a version-guard abort is 409 "retry", a unique-index failure is `errors.uniqueness()`.
 */
export function commitCompiled(db: Database, runs: readonly CompiledRun[], errors: CommitErrors<unknown[][]>): Promise<unknown[][]> {
  return explained(errors, () => batchCompiled(db.$client, runs));
}
