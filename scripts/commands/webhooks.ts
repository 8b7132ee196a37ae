/** `webhook add|list|remove|rotate-secret|replay|test|enable`: where a tenant's directory events are pushed (src/webhooks/). */
import { addEndpoint, enableEndpoint, listEndpoints, removeEndpoint, replayFrom, requestPing, rotateSecret } from '../../src/webhooks/endpoint-store.ts';
import { CliError, durationFlag, keyValues, positional, stringFlag, table, tenantArg, type Command } from '../lib/command.ts';

const COLUMNS = ['id', 'url', 'events', 'enabled', 'deliveredSeq', 'consecutiveFailures', 'lastError', 'lastSuccessAt', 'deadLetters'];
/** The last words of a command that the sweep (or the next change) carries out. */
const SOON = 'Delivery starts within a minute (the next sweep), or at once with the next change.';

export const webhookCommands: Command[] = [
  {
    name: 'webhook add',
    usage: 'webhook add <slug> <url> [--events "user.*,group.*"]',
    summary: 'push the tenant\'s directory events to <url> (Standard Webhooks; the secret is printed once)',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const { info, secret } = await addEndpoint(ctx.db, await ctx.secretsKey(), tenant, { url: positional(args, 1, 'url'), events: stringFlag(args, 'events') ?? '*', localDev: !ctx.remote });
      const json = { id: info.id, secret, url: info.url, events: info.events, fromSeq: info.deliveredSeq + 1 };
      return { json, text: `${keyValues(json)}\n\nThe secret is shown only this once: give it to the receiver to verify signatures (standardwebhooks).` };
    },
  },
  {
    name: 'webhook list',
    usage: 'webhook list <slug>',
    summary: 'list the tenant\'s webhooks with their health (never their secrets)',
    async run(ctx, args) {
      const endpoints = await listEndpoints(ctx.db, await tenantArg(ctx, args));
      return { json: { webhooks: endpoints }, text: table(endpoints, COLUMNS) };
    },
  },
  {
    name: 'webhook remove',
    usage: 'webhook remove <slug> <id>',
    summary: 'stop pushing to a webhook and forget it',
    async run(ctx, args) {
      const id = positional(args, 1, 'id');
      await removeEndpoint(ctx.db, await tenantArg(ctx, args), id);
      return { json: { id, removed: true }, text: `removed ${id}` };
    },
  },
  {
    name: 'webhook rotate-secret',
    usage: 'webhook rotate-secret <slug> <id> [--grace 24h]',
    summary: 'a new signing secret (printed once); the old one keeps signing too for the grace period',
    async run(ctx, args) {
      const grace = durationFlag(args, 'grace') ?? 24 * 3600;
      const { info, secret } = await rotateSecret(ctx.db, await ctx.secretsKey(), await tenantArg(ctx, args), positional(args, 1, 'id'), grace);
      const json = { id: info.id, secret, previousSecretUntil: info.previousSecretUntil };
      return { json, text: `${keyValues(json)}\n\nDeliveries carry both signatures until ${info.previousSecretUntil}: switch the receiver to the new secret before then.` };
    },
  },
  {
    name: 'webhook replay',
    usage: 'webhook replay <slug> <id> --from <seq>',
    summary: 'deliver again every event from <seq> on, in order',
    async run(ctx, args) {
      const from = stringFlag(args, 'from');
      if (from === undefined || !/^[0-9]+$/.test(from)) throw new CliError('--from <seq> is required: the first seq to deliver again');
      const info = await replayFrom(ctx.db, await tenantArg(ctx, args), positional(args, 1, 'id'), Number(from));
      return { json: { id: info.id, fromSeq: info.deliveredSeq + 1 }, text: `${info.id} will receive again from seq ${info.deliveredSeq + 1}. ${SOON}` };
    },
  },
  {
    name: 'webhook test',
    usage: 'webhook test <slug> <id>',
    summary: 'send a signed ping to the webhook',
    async run(ctx, args) {
      const info = await requestPing(ctx.db, await tenantArg(ctx, args), positional(args, 1, 'id'));
      return { json: { id: info.id, pingRequestedAt: info.pingRequestedAt }, text: `a ping is owed to ${info.url}. ${SOON}` };
    },
  },
  {
    name: 'webhook enable',
    usage: 'webhook enable <slug> <id>',
    summary: 're-enable a webhook disabled after a long outage; delivery resumes where it stopped',
    async run(ctx, args) {
      const info = await enableEndpoint(ctx.db, await tenantArg(ctx, args), positional(args, 1, 'id'));
      return { json: { id: info.id, enabled: info.enabled, fromSeq: info.deliveredSeq + 1 }, text: `${info.id} is enabled again from seq ${info.deliveredSeq + 1}. ${SOON}` };
    },
  },
];
