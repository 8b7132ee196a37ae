/** `api-key create|list|revoke`: keys for the management API (`/api/v1`), shown once and stored only as hashes. */
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/api/api-keys.ts';
import { requireTenant } from '../../src/tenants/tenant-store.ts';
import { keyValues, positional, stringFlag, table, type Command } from '../lib/command.ts';

const COLUMNS = ['id', 'label', 'tenant', 'createdAt', 'revokedAt'];

export const apiKeyCommands: Command[] = [
  {
    name: 'api-key create',
    usage: 'api-key create [--label app] [--tenant <slug>]',
    summary: "issue a management API key (printed once); --tenant binds it to that tenant, else it is the operator's",
    async run(ctx, args) {
      const slug = stringFlag(args, 'tenant');
      const tenant = slug === undefined ? undefined : await requireTenant(ctx.db, slug);
      const { info, key } = await createApiKey(ctx.db, stringFlag(args, 'label') ?? 'default', tenant);
      const json = { id: info.id, key, label: info.label, tenant: tenant?.slug ?? null, apiBaseUrl: `${ctx.publicBaseUrl}/api/v1` };
      return { json, text: `${keyValues(json)}\n\nThe key is shown only this once: store it in your backend's secrets now.` };
    },
  },
  {
    name: 'api-key list',
    usage: 'api-key list',
    summary: 'list management API keys (never the keys themselves)',
    async run(ctx) {
      const keys = await listApiKeys(ctx.db);
      return { json: { keys }, text: table(keys, COLUMNS) };
    },
  },
  {
    name: 'api-key revoke',
    usage: 'api-key revoke <key-id>',
    summary: 'revoke a management API key (effective on the next request)',
    async run(ctx, args) {
      const info = await revokeApiKey(ctx.db, positional(args, 0, 'key-id'));
      return { json: info, text: `revoked ${info.id} (${info.label}) at ${info.revokedAt}` };
    },
  },
];
