/** `token create|list|revoke`: SCIM bearer tokens, shown once and stored only as hashes. */
import { createScimToken, listScimTokens, revokeScimToken } from '../../src/tenants/tenant-store.ts';
import { durationFlag, keyValues, positional, stringFlag, table, tenantArg, type Command } from '../lib/command.ts';
import { scimBaseUrl } from './tenants.ts';

export const tokenCommands: Command[] = [
  {
    name: 'token create',
    usage: 'token create <slug> [--label okta] [--expires-in 365d]',
    summary: 'issue a SCIM token (printed once)',
    async run(ctx, args) {
      const { info, token, tenant } = await createScimToken(ctx.db, await tenantArg(ctx, args), stringFlag(args, 'label') ?? 'default', durationFlag(args, 'expires-in'));
      const json = { id: info.id, token, label: info.label, expiresAt: info.expiresAt, scimBaseUrl: scimBaseUrl(ctx, tenant), scimEnabled: tenant.scimEnabled };
      const warning = tenant.scimEnabled ? '' : `\n\nSCIM is disabled for ${tenant.slug}: npm run tenant -- scim enable ${tenant.slug}`;
      return { json, text: `${keyValues(json)}\n\nThe token is shown only this once: paste it into Okta/Entra now.${warning}` };
    },
  },
  {
    name: 'token list',
    usage: 'token list <slug>',
    summary: "list a tenant's SCIM tokens (never the secrets)",
    async run(ctx, args) {
      const tokens = await listScimTokens(ctx.db, await tenantArg(ctx, args));
      return { json: { tokens }, text: table(tokens, ['id', 'label', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt']) };
    },
  },
  {
    name: 'token revoke',
    usage: 'token revoke <slug> <token-id>',
    summary: 'revoke a SCIM token (effective on the next request)',
    async run(ctx, args) {
      const info = await revokeScimToken(ctx.db, ctx.announceAccessChanged, await tenantArg(ctx, args), positional(args, 1, 'token-id'));
      return { json: info, text: `revoked ${info.id} (${info.label}) at ${info.revokedAt}` };
    },
  },
];
