/**
 * Who signed in, from the validated ID token claims and (when they lack something) the userinfo
 * response: the fields linking, JIT provisioning and role binding use.
 */
import { groupsFilterMatcher, groupsFilterProblem } from './groups-filter.ts';
import { foldCase } from '../common/fold-case.ts';

/** The person as the provider describes them. */
export interface SignInIdentity {
  /** The provider's stable subject (Okta: the `00u…` user id, which Okta's SCIM sends as externalId). */
  sub: string;
  email: string | undefined;
  /** True only when the provider says `email_verified: true`; absent (Entra sends none) is unverified. */
  emailVerified: boolean;
  preferredUsername: string | undefined;
  name: string | undefined;
  givenName: string | undefined;
  familyName: string | undefined;
  /** The groups claim after the tenant's filter; undefined when the provider sent no such claim. */
  groups: string[] | undefined;
}

type Claims = Record<string, unknown>;

function text(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The groups claim as a list (a single string counts as one group), or undefined when absent or malformed. */
function groupsClaim(claims: Claims, claimName: string): string[] | undefined {
  const value = claims[claimName];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return undefined;
}

/** Whether the ID token lacks something only the userinfo endpoint can still supply. */
export function needsUserInfo(idClaims: Claims, groupsClaimName: string): boolean {
  return groupsClaim(idClaims, groupsClaimName) === undefined || text(idClaims, 'email') === undefined;
}

/**
 * The identity from ID token claims, completed from userinfo claims (whose `sub` the caller has
 * already checked equals the ID token's, OIDC Core §5.3.2). Groups are kept when the whole name
 * matches the tenant's filter.
 */
export function signInIdentity(idClaims: Claims & { sub: string }, userInfo: Claims | undefined, groupsClaimName: string, groupsFilter: string): SignInIdentity {
  const pick = (name: string) => text(idClaims, name) ?? (userInfo && text(userInfo, name));
  const emailVerifiedClaim = idClaims.email_verified ?? userInfo?.email_verified;
  const rawGroups = groupsClaim(idClaims, groupsClaimName) ?? (userInfo && groupsClaim(userInfo, groupsClaimName));
  // A filter stored before the rules of groups-filter.ts applies to no group rather than risk a runaway match.
  const filter = groupsFilterProblem(groupsFilter) ? undefined : groupsFilterMatcher(groupsFilter);
  const email = pick('email');
  return {
    sub: idClaims.sub,
    email: email === undefined ? undefined : foldCase(email),
    emailVerified: emailVerifiedClaim === true || emailVerifiedClaim === 'true',
    preferredUsername: pick('preferred_username'),
    name: pick('name'),
    givenName: pick('given_name'),
    familyName: pick('family_name'),
    groups: rawGroups && [...new Set(rawGroups.filter((g) => filter?.(g) === true))],
  };
}
