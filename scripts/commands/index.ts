import type { Command } from '../lib/command.ts';
import { apiKeyCommands } from './api-keys.ts';
import { domainCommands } from './domains.ts';
import { oidcCommands } from './oidc.ts';
import { roleCommands } from './roles.ts';
import { setupLinkCommands } from './setup-links.ts';
import { tenantCommands } from './tenants.ts';
import { tokenCommands } from './tokens.ts';
import { webhookCommands } from './webhooks.ts';
import { signingKeyCommands } from './signing-keys.ts';

/** Every CLI command, in the order `help` lists them. */
export const commands: Command[] = [...tenantCommands, ...tokenCommands, ...roleCommands, ...oidcCommands, ...domainCommands, ...setupLinkCommands, ...apiKeyCommands, ...webhookCommands, ...signingKeyCommands];
