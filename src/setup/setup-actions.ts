/**
 * What the setup page may change, through the same stores as the CLI: the tenant's OpenID Provider
 * connection (checked against the provider before it is saved) and a new SCIM token. Every change
 * is audited as `setup:<link id>`.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { AuditActor } from '../audit/audit-log.ts';
import { saveCheckedConnection } from '../oidc/checked-connection.ts';
import type { ConnectionInfo, ConnectionUpdate } from '../oidc/connection-store.ts';
import { TOKEN_AUTH_METHODS } from '../oidc/connection-settings.ts';
import { createScimToken } from '../tenants/tenant-store.ts';
import { MAX_TOKENS_PER_LINK, SETUP_TOKEN_SECONDS, type LiveSetupLink } from '../tenants/setup-links.ts';

/** The connection form as posted; an empty secret keeps the stored one. */
export const connectionFormSchema = z.object({
  issuer: z.string().trim().min(1).max(2048),
  clientId: z.string().trim().min(1).max(255),
  clientSecret: z.string().max(1024).default(''),
  tokenAuthMethod: z.enum(TOKEN_AUTH_METHODS),
  /** A checkbox: `on` when checked, absent when not. */
  requireSso: z.literal('on').optional(),
});
/** A validated connection form. */
export type ConnectionForm = z.infer<typeof connectionFormSchema>;

/** The audit actor of changes made through link `linkId`. */
export function setupActor(linkId: string): AuditActor {
  return `setup:${linkId}`;
}

/** The form as a store update: a public client drops any stored secret; an empty secret field keeps it. */
function toUpdate(form: ConnectionForm): ConnectionUpdate {
  const clientSecret = form.tokenAuthMethod === 'none' ? null : form.clientSecret === '' ? undefined : form.clientSecret;
  return { issuer: form.issuer, clientId: form.clientId, tokenAuthMethod: form.tokenAuthMethod, requireSso: form.requireSso === 'on', ...(clientSecret === undefined ? {} : { clientSecret }) };
}

/** Saves the form as the tenant's connection if the provider checks out (oidc/checked-connection.ts). */
export function saveConnection(db: Database, config: Config, { link, tenant }: LiveSetupLink, form: ConnectionForm): Promise<{ saved: ConnectionInfo } | { problems: string[] }> {
  return saveCheckedConnection(db, config, tenant, toUpdate(form), setupActor(link.id));
}

/**
 * Issues a SCIM token for the tenant (shown once) and turns SCIM provisioning on if it is off, in one batch. The
 * token is the link's: it expires after SETUP_TOKEN_SECONDS, dies when the link is revoked, and the
 * link holds at most MAX_TOKENS_PER_LINK live ones (a StoreError past that).
 */
export async function issueScimToken(db: Database, { link, tenant }: LiveSetupLink): Promise<{ token: string; tokenId: string; expiresAt: string }> {
  const actor = setupActor(link.id);
  const issued = await createScimToken(db, tenant, `setup link ${link.id}`, SETUP_TOKEN_SECONDS, { actor, setupLink: { id: link.id, maxLive: MAX_TOKENS_PER_LINK }, enableScim: true });
  return { token: issued.token, tokenId: issued.info.id, expiresAt: issued.info.expiresAt ?? '' };
}
