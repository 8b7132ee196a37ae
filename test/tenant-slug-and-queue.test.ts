import { describe, expect, it } from 'vitest';
import { slugProblem } from '../src/tenants/slug.ts';
import { highestRole } from '../src/tenants/roles.ts';
import { WriteQueue } from '../src/tenant-object/write-queue.ts';
import { deferred } from './support/deferred.ts';

describe('tenant slugs', () => {
  it.each(['acme', 'acme-inc', 'a', '0', 'a1-b2-c3', 'x'.repeat(63)])('accepts %s', (slug) => expect(slugProblem(slug)).toBeUndefined());
  it.each(['Acme', 'acme_inc', '-acme', 'acme-', 'ac--me', '', 'x'.repeat(64), 'acmé', 'ac me', 'acme/x', '../etc'])('refuses %j', (slug) =>
    expect(slugProblem(slug)).toEqual(expect.any(String)),
  );
  it('explains underscores in Okta terms', () => expect(slugProblem('acme_inc')).toMatch(/Okta/));
});

describe('role catalog', () => {
  it('picks the highest-privilege role by catalog order', () => {
    const catalog = ['owner', 'admin', 'editor', 'viewer'];
    expect(highestRole(catalog, ['viewer', 'admin'])).toBe('admin');
    expect(highestRole(catalog, ['unknown'])).toBeUndefined();
    expect(highestRole(catalog, [])).toBeUndefined();
  });
});

describe('the tenant write queue', () => {
  it('runs a write only after every earlier one settled, even when they await in between', async () => {
    const queue = new WriteQueue();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      queue.run(async () => {
        log.push(`start ${i}`);
        await gate.promise;
        log.push(`end ${i}`);
        return i;
      }),
    );
    // Open the gates in reverse: without the queue, 2 would finish first.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await Promise.resolve();
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('keeps going after a failed write, and hands the failure to its caller only', async () => {
    const queue = new WriteQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });
});
