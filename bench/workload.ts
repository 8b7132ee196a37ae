/**
 * The Okta-shaped requests every phase sends (docs/interop.md), against one tenant. Each
 * returns a Sample: its latency and whether the answer was the one Okta expects.
 */
import { oktaAddMembers, oktaNewGroup, oktaNewUser, oktaSetActive } from '../test/support/okta-bodies.ts';
import type { HttpClient } from './http.ts';
import { expectStatus, type Sample } from './load.ts';

/** A user the bench created. */
export interface BenchUser {
  id: string;
  userName: string;
}

/** The tenant's SCIM requests, over a client that already carries the token. */
export class ScimWorkload {
  readonly client: HttpClient;
  readonly base: string;
  readonly runId: string;

  constructor(client: HttpClient, slug: string) {
    this.client = client;
    this.base = `/scim/v2/${slug}`;
    // Unique per run, so a reused tenant never collides with an earlier run's userNames.
    this.runId = crypto.randomUUID().slice(0, 8);
  }

  userName(i: number): string {
    return `user${i}.${this.runId}@bench.example`;
  }

  /** GET / — the trivial route that measures the runtime's ceiling. */
  async ceiling(): Promise<Sample> {
    return expectStatus(await this.client.send('GET', '/'), 200);
  }

  /** POST /Users with Okta's body; 201 expected; the new user is handed to `created`. */
  async create(i: number, created: (user: BenchUser) => void): Promise<Sample> {
    const userName = this.userName(i);
    const result = await this.client.send('POST', `${this.base}/Users`, oktaNewUser(userName));
    const sample = expectStatus(result, 201);
    if (sample.ok) created({ id: (JSON.parse(result.body) as { id: string }).id, userName });
    return sample;
  }

  /** Okta's pre-create lookup: `filter=userName eq "x"&startIndex=1&count=100`; one match expected. */
  async lookup(userName: string): Promise<Sample> {
    const filter = encodeURIComponent(`userName eq "${userName}"`);
    const result = await this.client.send('GET', `${this.base}/Users?filter=${filter}&startIndex=1&count=100`);
    const sample = expectStatus(result, 200);
    if (sample.ok && !result.body.includes('"totalResults":1,')) return { ms: result.ms, ok: false, error: `lookup of ${userName} did not find exactly one user` };
    return sample;
  }

  /** Okta's deactivation: a pathless PATCH replacing `active`. */
  async deactivate(user: BenchUser): Promise<Sample> {
    return expectStatus(await this.client.send('PATCH', `${this.base}/Users/${user.id}`, oktaSetActive(false)), 200);
  }

  /** One import page: `GET /Users?startIndex=s&count=c`; returns the sample and `totalResults`. */
  async page(startIndex: number, count: number): Promise<{ sample: Sample; totalResults: number }> {
    const result = await this.client.send('GET', `${this.base}/Users?startIndex=${startIndex}&count=${count}`);
    const sample = expectStatus(result, 200);
    const totalResults = sample.ok ? (JSON.parse(result.body) as { totalResults: number }).totalResults : 0;
    return { sample, totalResults };
  }

  /** Whether this build serves `/Groups` (it is built in parallel with this bench). */
  async hasGroups(): Promise<boolean> {
    return (await this.client.send('GET', `${this.base}/Groups?count=0`)).status === 200;
  }

  /** POST /Groups with no members; returns the group's id. */
  async createGroup(displayName: string): Promise<string> {
    const result = await this.client.send('POST', `${this.base}/Groups`, oktaNewGroup(displayName));
    if (result.status !== 201) throw new Error(`POST /Groups: ${result.status} ${result.body.slice(0, 300)}`);
    return (JSON.parse(result.body) as { id: string }).id;
  }

  /** Okta's membership push: `add members [{value, display}]`; 200 or 204 expected. */
  async addMember(groupId: string, user: BenchUser): Promise<Sample> {
    const result = await this.client.send('PATCH', `${this.base}/Groups/${groupId}`, oktaAddMembers([{ value: user.id, display: user.userName }]));
    return result.status === 204 ? { ms: result.ms, ok: true } : expectStatus(result, 200);
  }

  /**
   * The costliest PATCH within the limits: one `add` of 9,000 emails, then 999 single `add`s into
   * that list (each checked against it), ~0.4 MiB, leaving 9,999 (at most 10,000 are kept, in at
   * most 512 KiB); 200 expected.
   */
  async worstPatch(user: BenchUser): Promise<Sample> {
    // Short addresses, so the 9,999 stay within the 512 KiB a resource may store.
    const email = (i: number) => ({ value: `w${i}@b.example`, type: 'other' });
    const Operations = [
      { op: 'add', path: 'emails', value: Array.from({ length: 9_000 }, (_, i) => email(i)) },
      ...Array.from({ length: 999 }, (_, i) => ({ op: 'add', path: 'emails', value: [email(9_000 + i)] })),
    ];
    return expectStatus(await this.client.send('PATCH', `${this.base}/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations }), 200);
  }

  /** Okta's reactivation: a pathless PATCH replacing `active` with true. */
  async reactivate(user: BenchUser): Promise<Sample> {
    return expectStatus(await this.client.send('PATCH', `${this.base}/Users/${user.id}`, oktaSetActive(true)), 200);
  }

  /** POST /Users of one userName, as one of a race's contenders; the status is what counts. */
  async contend(userName: string): Promise<{ status: number; ms: number }> {
    const result = await this.client.send('POST', `${this.base}/Users`, oktaNewUser(userName));
    return { status: result.status, ms: result.ms };
  }
}
