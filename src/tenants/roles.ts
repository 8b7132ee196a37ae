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
