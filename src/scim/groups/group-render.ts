/**
 * Groups as SCIM responses (RFC 7643 §4.2), with `members` read from `group_members` and written
 * out as the client reads, so a group of any size costs bounded memory: one query fetches the
 * first MEMBER_CHUNK members of every group in the response (ordered by the primary key), and
 * only a group larger than that is continued by seeks of MEMBER_CHUNK rows on the primary key.
 * A projection without `members` (`excludedAttributes=members`) reads no member at all.
 */
import { listResponse } from '../wire/respond.ts';
import type { JsonObject } from '../model/json.ts';
import { projectionIncludes, projectResource, type Projection } from '../model/projection.ts';
import { toScimResource } from '../model/render.ts';
import { arrayJson, objectJson, streamedResponse } from '../wire/json-stream.ts';
import { etag } from '../model/etag.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { MEMBER_CHUNK, type MemberRow } from './group-members.ts';
import type { MemberSource } from './group-reads.ts';
import type { GroupRow } from './group-rows.ts';

const SCIM_JSON = { 'content-type': 'application/scim+json; charset=utf-8' };

/** A group's members in batches, in user id order. */
type MembersOf = (groupId: string) => AsyncIterable<MemberRow[]>;

/**
 * The members of `groupIds`: the first MEMBER_CHUNK rows of all of them from one query (or from
 * the write that just committed them, `read`); a group that query did not finish (ids sort at or
 * after the last row's) continues by seeks.
 */
async function memberReader(source: MemberSource, groupIds: string[], read?: MemberRow[]): Promise<MembersOf> {
  const first = read ? [...read] : await source.first(groupIds, MEMBER_CHUNK + 1);
  const truncated = first.length > MEMBER_CHUNK;
  if (truncated) first.pop();
  const lastGroup = first.at(-1)?.groupId ?? '';
  const byGroup = new Map<string, MemberRow[]>();
  for (const row of first) {
    const rows = byGroup.get(row.groupId);
    if (rows) rows.push(row);
    else byGroup.set(row.groupId, [row]);
  }
  return async function* (groupId) {
    const rows = byGroup.get(groupId) ?? [];
    if (rows.length) yield rows;
    // Ids are ASCII UUIDs, so JavaScript's order is SQLite's BINARY order.
    if (!truncated || groupId < lastGroup) return;
    let after = rows.at(-1)?.userId ?? '';
    for (;;) {
      const next = await source.after(groupId, after, MEMBER_CHUNK);
      if (next.length) yield next;
      if (next.length < MEMBER_CHUNK) return;
      after = next.at(-1)!.userId;
    }
  };
}

/** One batch of members as projected `members` elements (RFC 7643 §4.2), each as JSON text. */
function memberElements(rows: MemberRow[], baseUrl: string, projection: Projection): string[] {
  const members = rows.map((row) => ({ value: row.userId, $ref: `${baseUrl}${USER_RESOURCE_TYPE.endpoint}/${row.userId}`, display: row.display, type: 'User' }));
  const projected = projectResource(GROUP_RESOURCE_TYPE, { schemas: [], members }, projection).members as JsonObject[] | undefined;
  return (projected ?? []).map((element) => JSON.stringify(element));
}

async function* memberBatches(members: AsyncIterable<MemberRow[]>, baseUrl: string, projection: Projection): AsyncGenerator<string[]> {
  for await (const rows of members) yield memberElements(rows, baseUrl, projection);
}

/** The projected group as JSON text pieces; `members` streamed when the projection has it. */
function groupJson(row: GroupRow, baseUrl: string, projection: Projection, membersOf: MembersOf | undefined): AsyncGenerator<string> {
  const resource = toScimResource(GROUP_RESOURCE_TYPE, { ...row, ...(membersOf ? { extra: { members: [] } } : {}) }, baseUrl);
  const projected = projectResource(GROUP_RESOURCE_TYPE, resource, projection);
  return objectJson(projected, membersOf ? { members: () => arrayJson(memberBatches(membersOf(row.id), baseUrl, projection)) } : {});
}

async function readerFor(source: MemberSource, groupIds: string[], projection: Projection, read?: MemberRow[]): Promise<MembersOf | undefined> {
  return projectionIncludes(GROUP_RESOURCE_TYPE, 'members', projection) ? memberReader(source, groupIds, read) : undefined;
}

/**
 * One group as a response with its ETag; a 201 also carries `Location` (RFC 7644 §3.3, §3.14).
 * `firstMembers` are its first members as its write's batch read them (src/scim/groups/group-members.ts).
 */
export async function groupResponse(source: MemberSource, row: GroupRow, baseUrl: string, projection: Projection = {}, status: 200 | 201 = 200, firstMembers?: MemberRow[]): Promise<Response> {
  const membersOf = await readerFor(source, [row.id], projection, firstMembers);
  const headers: Record<string, string> = { ...SCIM_JSON, etag: etag(row.version) };
  if (status === 201) headers.location = `${baseUrl}${GROUP_RESOURCE_TYPE.endpoint}/${row.id}`;
  return streamedResponse(groupJson(row, baseUrl, projection, membersOf), status, headers);
}

/** A page of groups as a ListResponse (RFC 7644 §3.4.2), members read for the whole page at once. */
export async function groupListResponse(source: MemberSource, page: { rows: GroupRow[]; totalResults: number }, startIndex: number, baseUrl: string, projection: Projection): Promise<Response> {
  const membersOf = await readerFor(source, page.rows.map((row) => row.id), projection);
  async function* resources(): AsyncGenerator<string> {
    let separator = '[';
    for (const row of page.rows) {
      yield separator;
      separator = ',';
      yield* groupJson(row, baseUrl, projection, membersOf);
    }
    yield separator === '[' ? '[]' : ']';
  }
  return streamedResponse(objectJson(listResponse(page.rows, page.totalResults, startIndex), { Resources: resources }), 200, SCIM_JSON);
}
