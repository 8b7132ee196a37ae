/**
 * D1's failures in one place: the transient ones (the database overloaded, the connection lost,
 * storage reset) that a retry of the very same batch can cure, apart from the answers a retry
 * would only repeat (constraint, version guard and token-guard failures). D1 itself retries only
 * reads; a write batch is ours to retry, whole, a few times with jittered backoff.
 */

/** What D1 says for failures that are worth a retry of the whole batch (a healthy database sees some every few hours). */
const TRANSIENT = [
  /network connection lost/i,
  /overloaded/i,
  /queued for too long/i,
  /object to be reset/i,
  /reset because its code was updated/i,
  /transient issue on remote node/i,
  /exceeded its memory limit and was reset/i,
  /internal error while starting up/i,
  /D1_ERROR: internal error/i,
];

/** Whether `err` is one of D1's transient failures. */
export function isTransientD1Error(err: unknown): boolean {
  if (err instanceof D1Unavailable) return true;
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : String(err);
  return TRANSIENT.some((pattern) => pattern.test(text));
}

/** Attempts of one batch, the first included. */
export const D1_ATTEMPTS = 3;
/** Seconds a client is told to wait when D1 stays unavailable (SCIM's Retry-After). */
export const D1_RETRY_AFTER_SECONDS = 5;

/** D1 stayed unavailable through every attempt: nothing of the batch was written by us knowingly. */
export class D1Unavailable extends Error {
  override name = 'D1Unavailable';
}

/**
 * Marks a non-transient failure that came after a transient one of the same batch: the earlier
 * attempt may have committed before its reply was lost, so a constraint failure now may be our own.
 */
export interface AfterTransientFailure {
  afterTransientFailure?: true;
}

/** Whether a constraint failure may stem from an earlier attempt of the same batch that did commit. */
export function mayHaveCommittedBefore(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as AfterTransientFailure).afterTransientFailure === true;
}

/**
 * Runs `attempt` until it succeeds, fails for a reason a retry would repeat, or D1_ATTEMPTS
 * transient failures have passed (then D1Unavailable). Backoff: 25 ms · 4^n with full jitter.
 */
export async function withTransientRetry<T>(attempt: () => Promise<T>, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<T> {
  let transientSeen = false;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransientD1Error(err)) {
        if (transientSeen && typeof err === 'object' && err !== null) (err as AfterTransientFailure).afterTransientFailure = true;
        throw err;
      }
      transientSeen = true;
      if (n + 1 >= D1_ATTEMPTS) throw new D1Unavailable(`D1 stayed unavailable through ${D1_ATTEMPTS} attempts`, { cause: err });
      await sleep(Math.random() * 25 * 4 ** n);
    }
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
