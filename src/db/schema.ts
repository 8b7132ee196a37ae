/**
 * The storage schema: the single source of truth for D1. `npm run db:generate` turns it into
 * `migrations/` (drizzle-kit); docs/storage-schema.md explains every table and index.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A resource's normalized SCIM JSON as stored in `data` (see src/scim/model/normalize.ts). */
export type StoredData = { schemas: string[]; [attribute: string]: unknown };

const timestamps = {
  /** ISO-8601 with milliseconds, UTC: sorts lexically in time order. */
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
};

/** The JSON path of a user's SCIM roles in `data`: `users_tenant_with_roles` and the filters that use it must spell it alike (SQLite matches the index's expression by its text). */
export const USERS_ROLES_PATH = '$.roles';

/** A customer organisation: one SCIM endpoint, one OIDC connection, one role catalog. */
export const tenants = sqliteTable('tenants', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  /** The host application's own id for this customer, unique when set: the management API looks tenants up by it. */
  externalId: text('external_id').unique(),
  scimEnabled: integer('scim_enabled', { mode: 'boolean' }).notNull().default(false),
  /** JSON array of role names, lowest privilege last (`["owner","admin","editor","viewer"]`). */
  roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
  defaultRole: text('default_role').notNull(),
  /** The lowest role that may change the tenant's configuration in its admin console; lower roles see it read-only. */
  configuringRole: text('configuring_role').notNull().default('admin'),
  sessionIdleSeconds: integer('session_idle_seconds').notNull().default(8 * 3600),
  sessionAbsoluteSeconds: integer('session_absolute_seconds').notNull().default(24 * 3600),
  /** Quotas on the shared database: a create past them is refused (SCIM 507), checked in its own batch against what the tenant holds (src/db/held-resources.ts). */
  maxUsers: integer('max_users').notNull().default(1_000_000),
  maxGroups: integer('max_groups').notNull().default(100_000),
  /**
   * Set when the operator deletes the tenant: from then on it is gone for every caller (slug and
   * external id freed, tokens revoked, sign-in and webhooks removed) while its rows are deleted in
   * bounded chunks (src/tenants/tenant-deletion.ts); the tenant row itself goes last.
   */
  deletingSince: text('deleting_since'),
  ...timestamps,
}, (t) => [index('tenants_deleting').on(t.deletingSince).where(sql`${t.deletingSince} IS NOT NULL`)]);

/** SCIM bearer tokens, kept only as SHA-256 hashes; several may be live for rotation. */
export const scimTokens = sqliteTable(
  'scim_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: text('created_at').notNull(),
    lastUsedAt: text('last_used_at'),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
    /** The setup link whose page issued the token: revoking the link revokes it (src/tenants/setup-links.ts). */
    setupLinkId: text('setup_link_id'),
  },
  (t) => [index('scim_tokens_tenant').on(t.tenantId), index('scim_tokens_setup_link').on(t.setupLinkId)],
);

/**
 * Operator API keys for `/api/v1` (src/api/), kept only as SHA-256 hashes. A key bound to a tenant
 * reads only that tenant; an unbound one (`tenant_id` NULL) is the operator's.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    label: text('label').notNull(),
    tenantId: text('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
    keyHash: text('key_hash').notNull().unique(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_keys_tenant').on(t.tenantId)],
);

/**
 * SCIM users. Searchable single-valued attributes live in columns (indexed where SCIM looks them
 * up); the whole stored resource lives in `data` (JSON) so every other attribute stays filterable.
 * `seq` gives the stable, index-backed default order for paging. No index on `updated_at` (nor on
 * groups'): it would be a written row more for every write, and the serving copy finds the rows a
 * write changed by the change log and the write's own statements (docs/serving-copy.md).
 */
export const users = sqliteTable(
  'users',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    displayName: text('display_name'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    data: text('data', { mode: 'json' }).$type<StoredData>().notNull(),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_tenant_username').on(t.tenantId, sql`lower(${t.userName})`),
    index('users_tenant_external_id').on(t.tenantId, t.externalId),
    index('users_tenant_display_name').on(t.tenantId, sql`lower(${t.displayName})`),
    index('users_tenant_seq').on(t.tenantId, t.seq),
    // Only users that have SCIM roles (few, and none from Okta's default app): a role filter reads those, not every row.
    index('users_tenant_with_roles').on(t.tenantId, t.seq).where(sql`json_type(${t.data}, ${sql.raw(`'${USERS_ROLES_PATH}'`)}) IS NOT NULL`),
  ],
);

/**
 * One row per email of a user, so `emails[type eq "work"].value eq "x"` is an index lookup.
 * `WITHOUT ROWID` (migrations/0021, which drizzle-kit cannot declare; test/node/migrations.test.ts
 * pins it): the row lives in its key, so an email writes two rows, not three.
 */
export const userEmails = sqliteTable(
  'user_emails',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** The email's index in the user's `emails`: a user may list one address twice, with two types. */
    position: integer('position').notNull(),
    /** lower-cased: emails are caseExact=false (RFC 7643 §4.1.2). */
    value: text('value').notNull(),
    type: text('type'),
    primary: integer('primary', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.userId, t.position] }), index('user_emails_tenant_value').on(t.tenantId, t.value)],
);

/** SCIM groups; members live in `group_members`, never in `data`. */
export const groups = sqliteTable(
  'groups',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    displayName: text('display_name').notNull(),
    externalId: text('external_id'),
    data: text('data', { mode: 'json' }).$type<StoredData>().notNull(),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('groups_tenant_display_name').on(t.tenantId, sql`lower(${t.displayName})`),
    index('groups_tenant_external_id').on(t.tenantId, t.externalId),
    index('groups_tenant_seq').on(t.tenantId, t.seq),
  ],
);

/**
 * How many of a tenant's users or groups have `seq >> 10` = `bucket`, kept in the same batch as
 * each create/delete: a cold page of the default order finds its start by summing ~n/1,024 rows
 * instead of an OFFSET scan of the tenant's seq index (src/scim/storage/page-buckets.ts).
 */
export const pageBuckets = sqliteTable(
  'page_buckets',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    resourceType: text('resource_type', { enum: ['User', 'Group'] }).notNull(),
    bucket: integer('bucket').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.resourceType, t.bucket] })],
);

/**
 * Group membership: one row per (group, user), so a change costs the members changed.
 * `WITHOUT ROWID` (migrations/0021): a membership writes its key and its user entry, not a rowid row besides.
 */
export const groupMembers = sqliteTable(
  'group_members',
  {
    tenantId: text('tenant_id').notNull(),
    groupId: text('group_id').notNull().references(() => groups.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index('group_members_user').on(t.userId)],
);

/** Group → role mapping of a tenant, matched case-insensitively on a group's displayName or externalId. */
export const roleMappings = sqliteTable(
  'role_mappings',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    groupName: text('group_name').notNull(),
    role: text('role').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('role_mappings_tenant_group').on(t.tenantId, sql`lower(${t.groupName})`)],
);

/** The tenant's OpenID Provider connection; the client secret is AES-GCM encrypted. */
export const oidcConnections = sqliteTable('oidc_connections', {
  tenantId: text('tenant_id').primaryKey().references(() => tenants.id, { onDelete: 'cascade' }),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecretEncrypted: text('client_secret_encrypted'),
  /** `client_secret_basic`, `client_secret_post` or `none` (public client, PKCE only). */
  tokenAuthMethod: text('token_auth_method').notNull(),
  scopes: text('scopes').notNull(),
  groupsClaim: text('groups_claim').notNull(),
  /** Regular expression a group name must match to count (Okta's "groups claim filter"). */
  groupsFilter: text('groups_filter').notNull(),
  jit: integer('jit', { mode: 'boolean' }).notNull(),
  /** Accept ID tokens signed HS256/384/512 with the client secret (OIDC Core §10.1); off: asymmetric only. */
  hmacIdTokens: integer('hmac_id_tokens', { mode: 'boolean' }).notNull().default(false),
  /** Link by an email the provider does not mark `email_verified: true` (Entra sends no such claim). */
  trustUnverifiedEmail: integer('trust_unverified_email', { mode: 'boolean' }).notNull().default(false),
  /** Link by `preferred_username` equal to a user's userName. */
  linkPreferredUsername: integer('link_preferred_username', { mode: 'boolean' }).notNull().default(false),
  /** The tenant's people must sign in through this provider: the host app refuses its other sign-in methods for them. */
  requireSso: integer('require_sso', { mode: 'boolean' }).notNull().default(false),
  ...timestamps,
});

/**
 * Which provider subject signs in as which user: bound on the first sign-in that links to the user,
 * then the only subject that may (src/oidc/link.ts). One subject per user and issuer.
 */
export const signinSubjects = sqliteTable(
  'signin_subjects',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.issuer, t.subject] }), uniqueIndex('signin_subjects_user_issuer').on(t.userId, t.issuer)],
);

/** Email domains that route `GET /auth/login?email=` to a tenant. */
export const tenantDomains = sqliteTable(
  'tenant_domains',
  {
    domain: text('domain').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    verifiedAt: text('verified_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('tenant_domains_tenant').on(t.tenantId)],
);

/**
 * Self-service setup links (src/setup): a key the operator hands to the tenant's IT admin, kept only
 * as its SHA-256 hash; it opens that one tenant's setup page until it expires or is revoked.
 */
export const setupLinks = sqliteTable(
  'setup_links',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    hash: text('hash').notNull().unique(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
    lastUsedAt: text('last_used_at'),
  },
  (t) => [index('setup_links_tenant').on(t.tenantId)],
);

/**
 * Every write and sign-in: who (token id, `cli`, `oidc`, `setup:<link id>`), what, when, outcome.
 * Never a secret. Stored in its key `(tenant_id, at, id)` (`WITHOUT ROWID`, migrations/0023): the
 * row is its tenant's time order, one written row where a rowid and a `(tenant_id, at)` index were
 * two. `id` numbers the tenant's rows of one `at` (1, 2, …), in the order they were written
 * (src/audit/audit-log.ts).
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').notNull(),
    tenantId: text('tenant_id').notNull(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    outcome: text('outcome').notNull(),
    status: integer('status'),
    detail: text('detail'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.at, t.id] }),
    // The console's Activity by user, and its failures: without them a rare filter reads the whole log.
    // Only rows about a user: nothing looks a group's rows up, and each group write would write an entry more.
    index('audit_log_tenant_user_at').on(t.tenantId, t.resourceId, t.at).where(sql`resource_type = 'User'`),
    index('audit_log_tenant_failures_at').on(t.tenantId, t.at).where(sql`outcome = 'failure'`),
  ],
);

/**
 * The directory change log: one row per committed change of a tenant's users and groups, written
 * in the same D1 batch as the change (src/events/event-log.ts). `seq` counts 1, 2, 3… per tenant
 * with no gap: the statement that inserts an event takes the tenant's highest `seq` plus one
 * inside the change's transaction, and D1 runs one transaction at a time. `WITHOUT ROWID`
 * (migrations/0021): the event is stored in its key, one written row, not a row and a key.
 */
export const directoryEvents = sqliteTable(
  'directory_events',
  {
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    /** `evt_` + 128 random bits: the Standard Webhooks `webhook-id` of its deliveries. */
    // Not an index: nothing looks an event up by id, and 128 random bits do not collide.
    id: text('id').notNull(),
    type: text('type').notNull(),
    /** `scim:<token id>`, `signin`, `operator` or `setup:<link id>`. */
    actor: text('actor').notNull(),
    occurredAt: text('occurred_at').notNull(),
    /** The event's `data` as JSON text: `{object, changed}` for a resource, `{group, user}` for a membership. */
    data: text('data').notNull(),
  },
  // No index on `occurred_at`: the prune walks each tenant's oldest events by `seq` (src/events/retention.ts), and an index would be one more written row per event.
  (t) => [primaryKey({ columns: [t.tenantId, t.seq] })],
);

/**
 * Webhook endpoints (src/webhooks/): where a tenant's events are pushed, in `seq` order. The
 * signing secret is used, so it is kept sealed (src/common/secret-box.ts), never hashed; during a
 * rotation the previous one signs too until `previous_secret_until`.
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    /** Comma-separated event type patterns (`user.*,group.deleted`); `*` is every type. */
    events: text('events').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretUntil: text('previous_secret_until'),
    /** The highest `seq` this endpoint has acknowledged (or skipped as not subscribed): delivery resumes after it. */
    deliveredSeq: integer('delivered_seq').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    disabledReason: text('disabled_reason'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** When the current run of failures began (NULL while healthy): a long outage disables the endpoint. */
    failingSince: text('failing_since'),
    lastError: text('last_error'),
    lastAttemptAt: text('last_attempt_at'),
    lastSuccessAt: text('last_success_at'),
    /** No attempt before this instant (exponential backoff after a failure). */
    nextAttemptAt: text('next_attempt_at'),
    /** One delivery run at a time per endpoint: the instant its lease lapses (NULL: free). */
    leaseUntil: text('lease_until'),
    /** A `ping` is owed (`webhook test`): sent before the next event. */
    pingRequestedAt: text('ping_requested_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('webhook_endpoints_tenant').on(t.tenantId)],
);

/** Dead letters: the event an endpoint stopped at when a long outage disabled it; re-enabling resumes from it. */
export const webhookDeadLetters = sqliteTable(
  'webhook_dead_letters',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    endpointId: text('endpoint_id').notNull().references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    eventId: text('event_id').notNull(),
    seq: integer('seq').notNull(),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error').notNull(),
    at: text('at').notNull(),
  },
  (t) => [index('webhook_dead_letters_endpoint').on(t.endpointId)],
);

/**
 * The keys that sign session tokens (src/sessions/signing-keys.ts): ES256, the private half sealed
 * under SECRETS_KEY (context: its kid). One is current (`retired_at` NULL); a retired key stays
 * published at `/.well-known/jwks.json` until every token it signed has expired.
 */
export const signingKeys = sqliteTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  /** The public JWK (with `kid`, `alg`, `use`), as published. */
  publicJwk: text('public_jwk', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  privateSealed: text('private_sealed').notNull(),
  createdAt: text('created_at').notNull(),
  retiredAt: text('retired_at'),
});

/**
 * Answers to management-API creates sent with an `Idempotency-Key` (src/api/idempotency.ts), per API
 * key: a retry of the same request gets the first answer again; `status` is NULL while the first is
 * still running. Kept a day, pruned with the change log.
 */
export const idempotentRequests = sqliteTable(
  'idempotent_requests',
  {
    apiKeyId: text('api_key_id').notNull().references(() => apiKeys.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** SHA-256 of the method, path and body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    status: integer('status'),
    response: text('response', { mode: 'json' }).$type<unknown>(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] }), index('idempotent_requests_created').on(t.createdAt)],
);
