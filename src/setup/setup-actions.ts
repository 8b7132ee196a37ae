/**
 * What the setup page may change, through the same stores as the CLI: the tenant's OpenID Provider
 * connection (checked against the provider before it is saved) and a new SCIM token. Every change
 * is audited as `setup:<link id>`.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { setConnection, type ConnectionInfo, type ConnectionUpdate } from '../oidc/connection-store.ts';
import { TOKEN_AUTH_METHODS } from '../oidc/connection-settings.ts';
import { checkProvider } from '../oidc/provider-check.ts';
import { createScimToken } from '../tenants/tenant-store.ts';
import { StoreError } from '../http/errors.ts';
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

/** Thrown from the store's last check when the provider would not let anyone sign in. */
class ProviderNotReady extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

/** The form as a store update: a public client drops any stored secret; an empty secret field keeps it. */
function toUpdate(form: ConnectionForm): ConnectionUpdate {
  const clientSecret = form.tokenAuthMethod === 'none' ? null : form.clientSecret === '' ? undefined : form.clientSecret;
  return { issuer: form.issuer, clientId: form.clientId, tokenAuthMethod: form.tokenAuthMethod, requireSso: form.requireSso === 'on', ...(clientSecret === undefined ? {} : { clientSecret }) };
}

/**
 * Saves the form as the tenant's connection when the store's rules pass and the provider's
 * discovery and JWKS check out; otherwise saves nothing and returns the problems (also audited).
 */
export async function saveConnection(db: Database, config: Config, { link, tenant }: LiveSetupLink, form: ConnectionForm): Promise<{ saved: ConnectionInfo } | { problems: string[] }> {
  const { localDev } = config;
  const actor = setupActor(link.id);
  try {
    const saved = await setConnection(db, config.secretsKey, tenant, toUpdate(form), localDev, {
      actor,
      beforeSave: async (settings) => {
        const report = await checkProvider(settings, localDev);
        if (!report.ok) throw new ProviderNotReady(report.problems);
      },
    });
    return { saved };
  } catch (err) {
    if (!(err instanceof ProviderNotReady || err instanceof StoreError)) throw err;
    const problems = err instanceof ProviderNotReady ? err.problems : [err.message];
    await auditInsert(db, { tenantId: tenant.id, actor, action: 'oidc.update', resourceType: 'OidcConnection', resourceId: tenant.id, outcome: 'failure', detail: problems.join('; ') });
    return { problems };
  }
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
