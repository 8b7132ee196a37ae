/**
 * Tenant slug rules, shared by the Worker and the CLI. Lowercase letters, digits and `-` only:
 * the slug is part of the SCIM base URL, and Okta refuses base URLs with `_`.
 */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `slug` is not a valid tenant slug, or undefined when it is. */
export function slugProblem(slug: string): string | undefined {
  if (SLUG.test(slug) && !slug.includes('--')) return undefined;
  if (slug.includes('_')) return `"${slug}" contains "_": Okta refuses SCIM base URLs with underscores; use "-"`;
  return `"${slug}" is not a valid tenant slug: use 1–63 lowercase letters, digits and single "-", starting and ending with a letter or digit`;
}
