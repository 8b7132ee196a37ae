/**
 * A tenant's OpenID Provider connection, shared by the Worker (sign-in) and the CLI (`oidc set`,
 * `oidc show`): validated here once, the client secret sealed at rest with SECRETS_KEY.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { now, type Database } from '../db/client.ts';
import { oidcConnections, tenants } from '../db/schema.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { StoreError } from '../http/errors.ts';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { groupsFilterProblem } from './groups-filter.ts';
import { issuerProblem } from './issuer-url.ts';
import { open, seal } from '../common/secret-box.ts';
import { TOKEN_AUTH_METHODS, type ConnectionSettings, type OidcConnection, type TokenAuthMethod } from './connection-settings.ts';
import { checkProvider } from './provider-check.ts';

// Defaults of a new connection: what every provider supports; Okta's org server also offers `groups`.
const DEFAULT_SCOPES = 'openid email profile';
const DEFAULT_GROUPS_CLAIM = 'groups';
const DEFAULT_GROUPS_FILTER = '.*';

/** A stored connection as shown by `oidc show`. */
export interface ConnectionInfo extends ConnectionSettings {
  tenantId: string;
  hasClientSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A change to a connection; omitted fields keep their stored value (or the default on first set). */
export const connectionUpdateSchema = z.strictObject({
  issuer: z.string().min(1).optional(),
  clientId: z.string().min(1).max(255).optional(),
  /** A string sets it, null removes it. */
  clientSecret: z.string().min(1).max(1024).nullable().optional(),
  tokenAuthMethod: z.enum(TOKEN_AUTH_METHODS).optional(),
  scopes: z.string().min(1).max(1000).optional(),
  groupsClaim: z.string().min(1).max(100).optional(),
  groupsFilter: z.string().min(1).max(500).optional(),
  jit: z.boolean().optional(),
  hmacIdTokens: z.boolean().optional(),
  trustUnverifiedEmail: z.boolean().optional(),
  linkPreferredUsername: z.boolean().optional(),
  requireSso: z.boolean().optional(),
});
/** A validated change to a connection. */
export type ConnectionUpdate = z.infer<typeof connectionUpdateSchema>;

type ConnectionRow = typeof oidcConnections.$inferSelect;

function toInfo(row: ConnectionRow): ConnectionInfo {
  const { clientSecretEncrypted, tokenAuthMethod, ...rest } = row;
  return { ...rest, tokenAuthMethod: tokenAuthMethod as TokenAuthMethod, hasClientSecret: clientSecretEncrypted !== null };
}

function settingsProblem(s: ConnectionSettings, hasSecret: boolean, localDev: boolean): string | undefined {
  const issuer = issuerProblem(s.issuer, localDev);
  if (issuer) return issuer;
  if (!s.scopes.split(/\s+/).includes('openid')) return `scopes "${s.scopes}" must include "openid"`;
  if (!/^[A-Za-z0-9_.:-]+$/.test(s.groupsClaim)) return `groups claim "${s.groupsClaim}" is not a claim name`;
  const filter = groupsFilterProblem(s.groupsFilter);
  if (filter) return `groups filter "${s.groupsFilter}" ${filter}`;
  if (s.tokenAuthMethod === 'none' && hasSecret) return 'a public client (--token-auth none) has no client secret: drop --client-secret or pick client_secret_basic/client_secret_post';
  if (s.tokenAuthMethod !== 'none' && !hasSecret) return `${s.tokenAuthMethod} needs a client secret (--client-secret), or use --token-auth none for a public PKCE client`;
  // Reached only with a consistent pair, so here no secret means a public client.
  if (s.hmacIdTokens && !hasSecret) return 'HMAC-signed ID tokens are keyed with the client secret, which a public client (--token-auth none) does not have: set --hmac-id-tokens off, or give the client a secret (--client-secret)';
  return undefined;
}

/** Keeps the stored method while it fits; a secret added to a public client means Basic, a removed one `none`. */
function defaultAuthMethod(stored: TokenAuthMethod | undefined, hasSecret: boolean): TokenAuthMethod {
  if (!hasSecret) return 'none';
  return stored === undefined || stored === 'none' ? 'client_secret_basic' : stored;
}

/** Who saves a connection (for the audit row), and a last check of the complete settings before they are written. */
export interface SetConnectionOptions {
  actor?: AuditActor;
  /** Throws to refuse the settings (the setup page checks the provider's discovery and JWKS here). */
  beforeSave?: (settings: ConnectionSettings) => Promise<void>;
}

/**
 * Creates or updates the connection of `tenant`. Defaults on first set: scopes `openid email profile`,
 * groups claim `groups` filtered by `.*`, `client_secret_basic` when a secret is given (else
 * `none`), JIT on only when SCIM is off (with SCIM, SCIM owns who exists), HMAC-signed ID tokens refused,
 * and linking only by verified emails, never by `preferred_username`.
 */
export async function setConnection(db: Database, secretsKey: string, tenant: Tenant, rawUpdate: ConnectionUpdate, localDev: boolean, options: SetConnectionOptions = {}): Promise<ConnectionInfo> {
  const parsed = connectionUpdateSchema.safeParse(rawUpdate);
  if (!parsed.success) throw new StoreError(`invalid OIDC settings: ${z.prettifyError(parsed.error)}`);
  const update = parsed.data;
  const existing = await db.select().from(oidcConnections).where(eq(oidcConnections.tenantId, tenant.id)).get();
  const issuer = update.issuer ?? existing?.issuer;
  const clientId = update.clientId ?? existing?.clientId;
  if (!issuer || !clientId) throw new StoreError('a new OIDC connection needs an issuer and a client id');
  const secretSealed =
    update.clientSecret === undefined
      ? (existing?.clientSecretEncrypted ?? null)
      : update.clientSecret === null
        ? null
        : await seal(secretsKey, 'client-secret', update.clientSecret, tenant.id);
  const settings: ConnectionSettings = {
    issuer,
    clientId,
    tokenAuthMethod: update.tokenAuthMethod ?? defaultAuthMethod(existing?.tokenAuthMethod as TokenAuthMethod | undefined, secretSealed !== null),
    scopes: (update.scopes ?? existing?.scopes ?? DEFAULT_SCOPES).trim().replace(/\s+/g, ' '),
    groupsClaim: update.groupsClaim ?? existing?.groupsClaim ?? DEFAULT_GROUPS_CLAIM,
    groupsFilter: update.groupsFilter ?? existing?.groupsFilter ?? DEFAULT_GROUPS_FILTER,
    jit: update.jit ?? existing?.jit ?? !tenant.scimEnabled,
    hmacIdTokens: update.hmacIdTokens ?? existing?.hmacIdTokens ?? false,
    trustUnverifiedEmail: update.trustUnverifiedEmail ?? existing?.trustUnverifiedEmail ?? false,
    linkPreferredUsername: update.linkPreferredUsername ?? existing?.linkPreferredUsername ?? false,
    requireSso: update.requireSso ?? existing?.requireSso ?? false,
  };
  const problem = settingsProblem(settings, secretSealed !== null, localDev);
  if (problem) throw new StoreError(problem);
  // Requiring SSO locks out everyone a broken connection cannot sign in: only for a provider that checks out now.
  if (settings.requireSso && (!existing?.requireSso || update.issuer !== undefined)) {
    const report = await checkProvider(settings, localDev);
    if (!report.ok) throw new StoreError(`SSO cannot be required while the provider does not check out: ${report.problems.join('; ')}`, 'conflict', `oidc test ${tenant.slug}`);
  }
  await options.beforeSave?.(settings);
  const at = now();
  const row: ConnectionRow = { tenantId: tenant.id, ...settings, clientSecretEncrypted: secretSealed, createdAt: existing?.createdAt ?? at, updatedAt: at };
  const changed = Object.keys(update).filter((k) => k !== 'clientSecret');
  if (update.clientSecret !== undefined) changed.push(update.clientSecret === null ? 'clientSecret removed' : 'clientSecret set');
  await db.batch([
    db.insert(oidcConnections).values(row).onConflictDoUpdate({ target: oidcConnections.tenantId, set: { ...settings, clientSecretEncrypted: secretSealed, updatedAt: at } }),
    auditInsert(db, { tenantId: tenant.id, actor: options.actor ?? 'cli', action: existing ? 'oidc.update' : 'oidc.create', resourceType: 'OidcConnection', resourceId: tenant.id, outcome: 'success', detail: changed.join(', ') }),
  ]);
  return toInfo(row);
}

/** The tenant's connection without its secret, or undefined when SSO is not set up. */
export async function getConnectionInfo(db: Database, tenantId: string): Promise<ConnectionInfo | undefined> {
  const row = await db.select().from(oidcConnections).where(eq(oidcConnections.tenantId, tenantId)).get();
  return row && toInfo(row);
}

/** A tenant and its connection (undefined when SSO is not set up), as sign-in needs them. */
export interface SignInSetup {
  tenant: Tenant;
  connection: OidcConnection | undefined;
}

/**
 * The tenant by slug or id with its connection, in one query; undefined for no such tenant. The
 * client secret stays sealed: only the token request opens it (`openClientSecret`).
 */
export async function loadSignInSetup(db: Database, by: { slug: string } | { id: string }): Promise<SignInSetup | undefined> {
  const row = await db
    .select()
    .from(tenants)
    .leftJoin(oidcConnections, eq(oidcConnections.tenantId, tenants.id))
    .where(and('slug' in by ? eq(tenants.slug, by.slug) : eq(tenants.id, by.id), isNull(tenants.deletingSince)))
    .get();
  if (!row) return undefined;
  return { tenant: row.tenants, connection: row.oidc_connections ? toConnection(row.oidc_connections) : undefined };
}

function toConnection(row: ConnectionRow): OidcConnection {
  const { createdAt: _c, updatedAt: _u, ...settings } = row;
  return { ...settings, tokenAuthMethod: settings.tokenAuthMethod as TokenAuthMethod };
}

/** The connection's client secret, opened for the token request (and HMAC-signed ID tokens); undefined for a public client. */
export async function openClientSecret(secretsKey: string, connection: OidcConnection): Promise<string | undefined> {
  if (connection.clientSecretEncrypted === null) return undefined;
  const clientSecret = await open(secretsKey, 'client-secret', connection.clientSecretEncrypted, connection.tenantId);
  // A secret that does not open means SECRETS_KEY changed: a configuration fault, not a sign-in failure.
  if (clientSecret === undefined) throw new Error(`client secret of tenant ${connection.tenantId} does not open with the current SECRETS_KEY`);
  return clientSecret;
}
