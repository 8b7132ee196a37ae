/** The role catalog a new tenant starts with, highest privilege first. */
export const DEFAULT_ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export const DEFAULT_ROLE = 'viewer';

/**
 * The highest-privilege role among `candidates` by the tenant's catalog order (first = highest),
 * or undefined when none of them is in the catalog.
 */
export function highestRole(catalog: readonly string[], candidates: Iterable<string>): string | undefined {
  let best: number | undefined;
  for (const role of candidates) {
    const rank = catalog.indexOf(role);
    if (rank >= 0 && (best === undefined || rank < best)) best = rank;
  }
  return best === undefined ? undefined : catalog[best];
}

/** The role a new tenant's console asks of those who change its configuration ("Admin or higher"). */
export const DEFAULT_CONFIGURING_ROLE = 'admin';

/**
 * Whether `role` is at or above `configuringRole` in the catalog (first = highest). A configuring
 * role the catalog no longer holds leaves only its highest role able to configure.
 */
export function mayConfigure(catalog: readonly string[], configuringRole: string, role: string): boolean {
  const rank = catalog.indexOf(role);
  if (rank < 0) return false;
  const needed = catalog.indexOf(configuringRole);
  return rank <= (needed < 0 ? 0 : needed);
}
