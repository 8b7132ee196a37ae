/** Group commit: writes handed in together reach D1 as one batch, yet each keeps its own outcome. */
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { compileStatement, type MergeRule } from '../src/db/compiled-statement.ts';
import { GroupCommitD1 } from '../src/tenant-object/group-commit.ts';
import { WriteQueue } from '../src/tenant-object/write-queue.ts';
import { countingD1 } from './support/counting-d1.ts';
import { deferred } from './support/deferred.ts';

let tables = 0;
async function freshTable(): Promise<string> {
  const name = `gc_${++tables}_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(`CREATE TABLE ${name} (name TEXT PRIMARY KEY)`).run();
  return name;
}

describe('group commit', () => {
  it('sends the batches handed in together as one, and those handed in while it is written as the next, each getting its own results', async () => {
    const table = await freshTable();
    const { d1, calls } = countingD1();
    const [sent, release] = [deferred(), deferred()];
    const held = { prepare: (query: string) => d1.prepare(query), batch: async (statements: D1PreparedStatement[]) => (sent.resolve(), await release.promise, d1.batch(statements)) } as unknown as D1Database;
    const gc = new GroupCommitD1(held, () => undefined);
    const insert = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?) RETURNING name`).bind(name)]);
    const first = ['a', 'b'].map(insert);
    // The first group is on its way; these wait for it.
    await sent.promise;
    const second = ['c', 'd', 'e'].map(insert);
    release.resolve();
    const results = await Promise.all([...first, ...second]);
    expect(calls).toEqual([2, 3]);
    expect(results.map((r) => r.map((x) => (x.results[0] as { name: string }).name))).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
  });

  it('lingers up to three turns of the event loop while each brings more writes, then sends the group; a lone write goes a turn later', async () => {
    const table = await freshTable();
    const { d1, calls } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const insert = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name)]);
    const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
    // Two writes at once, then one a turn, as requests keep arriving: three turns join c, d and e; f is one too late.
    const writes = [insert('a'), insert('b')];
    for (const name of ['c', 'd', 'e', 'f']) {
      await turn();
      writes.push(insert(name));
    }
    await Promise.all(writes);
    expect(calls).toEqual([5, 1]);
    // Nothing arrives after it: it does not wait.
    await insert('g');
    expect(calls).toEqual([5, 1, 1]);
  });

  it('retries each write alone when one of a group fails, so only that one fails', async () => {
    const table = await freshTable();
    const { d1, calls } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const insert = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name)]);
    const outcomes = await Promise.allSettled(['first', 'x', 'dup', 'y', 'dup'].map(insert));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(String((outcomes[4] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    // The failed group of five, then the five alone.
    expect(calls).toEqual([5, 1, 1, 1, 1, 1]);
    const rows = await env.DB.prepare(`SELECT name FROM ${table} ORDER BY name`).all<{ name: string }>();
    expect(rows.results.map((r) => r.name)).toEqual(['dup', 'first', 'x', 'y']);
  });

  it('makes a read wait until every batch handed in before it is written', async () => {
    const table = await freshTable();
    const { d1 } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const writes = ['p', 'q', 'r'].map((name) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name)]));
    const seen = await gc.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
    expect(seen?.n).toBe(3);
    await Promise.all(writes);
  });

  it('makes a read wait for the batches handed in before it only: later ones, still on their way, do not hold it back', async () => {
    const table = await freshTable();
    const gates = [deferred(), deferred()];
    let call = 0;
    const held = {
      prepare: (query: string) => env.DB.prepare(query),
      batch: async (statements: D1PreparedStatement[]) => {
        await gates[call++]!.promise;
        return env.DB.batch(statements);
      },
    } as unknown as D1Database;
    const gc = new GroupCommitD1(held, () => undefined);
    const insert = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name)]);
    const before = insert('before');
    await new Promise((resolve) => setTimeout(resolve, 0));
    let readDone = false;
    const read = gc.settled().then(() => (readDone = true));
    let afterDone = false;
    const after = insert('after').then(() => (afterDone = true));
    gates[0]!.resolve();
    await before;
    await read;
    // The read is through while the batch handed in after it is still held.
    expect(readDone).toBe(true);
    expect(afterDone).toBe(false);
    gates[1]!.resolve();
    await after;
    const rows = await env.DB.prepare(`SELECT name FROM ${table} ORDER BY name`).all<{ name: string }>();
    expect(rows.results.map((r) => r.name)).toEqual(['after', 'before']);
  });

  it('lets the write queue start the next write once the running one has handed in its batch', async () => {
    const queue = new WriteQueue();
    const table = await freshTable();
    const gc = new GroupCommitD1(countingD1().d1, () => queue.releaseCurrent());
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      log.push('first decides');
      const written = gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES ('one')`)]);
      await gate.promise;
      await written;
      log.push('first done');
    });
    const second = queue.run(async () => {
      log.push('second starts');
      // Its read sees the first write although the first task has not settled.
      const row = await gc.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
      log.push(`second reads ${row?.n}`);
    });
    await second;
    expect(log).toEqual(['first decides', 'second starts', 'second reads 1']);
    gate.resolve();
    await first;
    expect(log.at(-1)).toBe('first done');
  });

  it('without a release, the queue still waits for the running write to settle', async () => {
    const queue = new WriteQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      await gate.promise;
      log.push('first');
    });
    const second = queue.run(async () => log.push('second'));
    await Promise.resolve();
    expect(log).toEqual([]);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['first', 'second']);
  });
});

const passing = () => env.DB.prepare('SELECT 1');
const refusing = () => env.DB.prepare(`SELECT json('refused')`);

describe('group commit guards', () => {
  it('runs each distinct guard once in a combined batch and returns every write its own results', async () => {
    const table = await freshTable();
    const { d1, calls } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const write = (name: string, key: string) => {
      const guard = gc.guardNextBatch(passing(), key);
      const result = gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?) RETURNING name`).bind(name)]);
      return { guard, result };
    };
    const writes = [write('a', 'k1'), write('b', 'k1'), write('c', 'k2'), write('d', 'k1')];
    const results = await Promise.all(writes.map((w) => w.result));
    // Two distinct guards, four inserts.
    expect(calls).toEqual([6]);
    expect(results.map((r) => r.map((x) => (x.results[0] as { name: string }).name))).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(writes.every((w) => w.guard.used)).toBe(true);
  });

  it('refuses every write that carried a refusing guard, and only those', async () => {
    const table = await freshTable();
    const { d1 } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const insert = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name)]);
    gc.guardNextBatch(refusing(), 'dead');
    const first = insert('a');
    const second = insert('b');
    gc.guardNextBatch(refusing(), 'dead');
    const third = insert('c');
    const outcomes = await Promise.allSettled([first, second, third]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    const { results } = await env.DB.prepare(`SELECT name FROM ${table} ORDER BY name`).all();
    expect(results).toEqual([{ name: 'b' }]);
  });
});

describe('group commit merges', () => {
  /** A side statement logging `name` into `log`; merged, one insert of every name over json_each. */
  function logged(gc: GroupCommitD1, log: string, name: string) {
    const rule: MergeRule = {
      key: log,
      merge: (values) => ({ statement: compileStatement(sql`INSERT INTO ${sql.identifier(log)} (name) SELECT value FROM json_each(${sql.placeholder('names')})`), values: { names: JSON.stringify(values.map((v) => v.name)) } }),
    };
    return gc.prepare(`INSERT INTO ${log} (name) VALUES (?)`).bind(name).tagged({ merge: { rule, values: { name } } });
  }

  it('puts one merged statement after every write of a combined batch, and hands each write its own results in place', async () => {
    const [table, log] = [await freshTable(), await freshTable()];
    const { d1, calls } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const write = (name: string) =>
      gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?) RETURNING name`).bind(name), logged(gc, log, name), gc.prepare(`SELECT ? || '!' AS said`).bind(name)]);
    const results = await Promise.all(['a', 'b', 'c'].map(write));
    // Three writes of two own statements, one merged insert.
    expect(calls).toEqual([3 * 2 + 1]);
    expect(results.map((r) => [(r[0]!.results[0] as { name: string }).name, r.length, (r[2]!.results[0] as { said: string }).said])).toEqual([
      ['a', 3, 'a!'],
      ['b', 3, 'b!'],
      ['c', 3, 'c!'],
    ]);
    const { results: rows } = await env.DB.prepare(`SELECT name FROM ${log} ORDER BY rowid`).all();
    expect(rows).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  });

  it("runs a write's own side statement when it is alone, and when a failed combined batch is retried write by write", async () => {
    const [table, log] = [await freshTable(), await freshTable()];
    const { d1, calls } = countingD1();
    const gc = new GroupCommitD1(d1, () => undefined);
    const write = (name: string) => gc.batch([gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name), logged(gc, log, name)]);
    await write('solo');
    const outcomes = await Promise.allSettled(['x', 'solo', 'y'].map(write));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Alone: 2; the combined batch (3 inserts + 1 merged) fails; then each alone with its own 2.
    expect(calls).toEqual([2, 4, 2, 2, 2]);
    const { results: rows } = await env.DB.prepare(`SELECT name FROM ${log} ORDER BY rowid`).all();
    expect(rows).toEqual([{ name: 'solo' }, { name: 'x' }, { name: 'y' }]);
  });
});

describe("group commit and the serving copy's rows", () => {
  it("hands the tail the rows of the statements tagged for the copy, in batch order, whether the writes go combined or, after a failure, alone behind their guards", async () => {
    const table = await freshTable();
    const { d1, calls } = countingD1();
    const applied: { tail: unknown[]; returned: string[] }[] = [];
    const gc = new GroupCommitD1(d1, () => undefined, {
      tail: () => [d1.prepare(`SELECT 'tail' AS part`)],
      applyTail: (results, returned) => applied.push({ tail: results.map((r) => r.results), returned: returned.map((r) => `${r.part}:${r.id}:${r.row}`) }),
      invalidate: () => undefined,
    });
    const write = (name: string) => {
      gc.guardNextBatch(passing(), `k-${name}`);
      return gc.batch([
        gc.prepare(`INSERT INTO ${table} (name) VALUES (?)`).bind(name),
        gc.prepare(`SELECT 'users' AS part, ?1 AS id, json_object('name', ?1) AS row UNION ALL SELECT 'groups', ?1 || '-g', '{}'`).bind(name).tagged({ copyRows: true }),
        gc.prepare(`SELECT ? AS said`).bind(name),
      ]);
    };
    const results = await Promise.all(['a', 'b'].map(write));
    expect(results.map((r) => (r[2]!.results[0] as { said: string }).said)).toEqual(['a', 'b']);
    expect(applied).toEqual([{ tail: [[{ part: 'tail' }]], returned: ['users:a:{"name":"a"}', 'groups:a-g:{}', 'users:b:{"name":"b"}', 'groups:b-g:{}'] }]);
    // A duplicate fails the combined batch; each write goes again alone, its guard first.
    applied.length = 0;
    const outcomes = await Promise.allSettled(['c', 'a', 'd'].map(write));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls.slice(-4)).toEqual([3 * 4 + 1, 4 + 1, 4 + 1, 4 + 1]);
    expect(applied.map((a) => a.returned)).toEqual([
      ['users:c:{"name":"c"}', 'groups:c-g:{}'],
      ['users:d:{"name":"d"}', 'groups:d-g:{}'],
    ]);
  });
});
