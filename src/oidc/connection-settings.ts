/** What a tenant's OpenID Provider connection holds (src/oidc/connection-store.ts keeps it). */

/** How we authenticate at the token endpoint (RFC 6749 §2.3.1; `none` = public client, PKCE only). */
export const TOKEN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
/** One of TOKEN_AUTH_METHODS. */
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

/** The settings of a connection, as the operator sees them (never the secret). */
export interface ConnectionSettings {
  issuer: string;
  clientId: string;
  tokenAuthMethod: TokenAuthMethod;
  scopes: string;
  groupsClaim: string;
  /** Regular expression a whole group name must match to count (Okta's "groups claim filter"). */
  groupsFilter: string;
  /** Create unknown people at sign-in (just-in-time) instead of refusing them. */
  jit: boolean;
  /** Also accept ID tokens signed HS256/384/512 with the client secret (OIDC Core §10.1); off by default. */
  hmacIdTokens: boolean;
  /** Link (and JIT-store) an email the provider does not mark verified; off by default. */
  trustUnverifiedEmail: boolean;
  /** Link by `preferred_username` equal to a userName; off by default. */
  linkPreferredUsername: boolean;
  /** Everyone of the tenant must sign in through this provider (the host app enforces it); off by default, on only for a provider that checks out. */
  requireSso: boolean;
}

/** A connection ready for sign-in (its secret still sealed: `openClientSecret` opens it for the token request). */
export interface OidcConnection extends ConnectionSettings {
  tenantId: string;
  /** Sealed under SECRETS_KEY (purpose `client-secret`); null for a public client. */
  clientSecretEncrypted: string | null;
}
