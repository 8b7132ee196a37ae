/** The one rule for what an `audit_log.detail` holds, shared by every audit writer. */

/** An audit row's detail is a summary: a refused write's error (which may quote the whole body) is cut to this. */
export const MAX_AUDIT_DETAIL = 500;

/** `detail` cut to MAX_AUDIT_DETAIL characters, marked where it was cut; null when there is none. */
export function auditDetail(detail: string | undefined): string | null {
  if (detail === undefined) return null;
  return detail.length <= MAX_AUDIT_DETAIL ? detail : `${detail.slice(0, MAX_AUDIT_DETAIL - 1)}…`;
}
