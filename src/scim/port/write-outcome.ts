/**
 * What a tenant-object write returns across RPC. Custom error classes do not survive RPC, so a
 * SCIM failure travels as plain data and becomes a `ScimError` again at the route.
 */
import { ScimError, type ScimType } from '../../http/errors.ts';

export type WriteOutcome<T> =
  | { ok: true; value: T; /** The write's batch carried the caller's token check, and it passed. */ tokenChecked?: boolean }
  | { ok: false; status: number; scimType: ScimType | undefined; detail: string; headers: Record<string, string> };

/** Runs `write`, turning a thrown ScimError into a failed outcome; other errors propagate. */
export async function toOutcome<T>(write: () => Promise<T>): Promise<WriteOutcome<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (err) {
    if (err instanceof ScimError) return { ok: false, status: err.status, scimType: err.scimType, detail: err.message, headers: err.headers };
    throw err;
  }
}

/** The value of a successful outcome, or the ScimError it carried. */
export function unwrap<T>(outcome: WriteOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ScimError(outcome.status, outcome.scimType, outcome.detail, outcome.headers);
}
