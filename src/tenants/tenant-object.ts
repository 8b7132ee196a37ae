import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { WriteQueue } from './write-queue.ts';

/**
 * One instance per tenant (`idFromName(tenantId)`): the single writer of that tenant's users and
 * groups. Every RPC method that writes goes through `writes`, so one tenant's writes never
 * interleave while other tenants' objects run in parallel.
 */
export class TenantObject extends DurableObject<Env> {
  protected readonly writes = new WriteQueue();
}
