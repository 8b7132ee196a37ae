/**
 * Group membership as clients write it (RFC 7643 §4.2 `members`): elements `{value, display?,
 * $ref?, type?}` of which only `value` (the member's id) matters to us; the rest is computed.
 */
import { ScimError } from '../../http/errors.ts';
import { MAX_VALUES_PER_ATTRIBUTE } from '../limits.ts';
import { getInsensitive, isObject } from './json.ts';

/**
 * The member ids of a `members` value, de-duplicated in order: a list (or one element) of
 * `{value}` objects or bare ids; `null` is none. 400 invalidValue for an element without an id.
 */
export function memberIds(raw: unknown, where = 'members'): string[] {
  if (raw === null || raw === undefined) return [];
  if (Array.isArray(raw) && raw.length > MAX_VALUES_PER_ATTRIBUTE) throw tooManyMembers(where, raw.length);
  const ids: string[] = [];
  for (const element of Array.isArray(raw) ? raw : [raw]) {
    if (element === null) continue;
    const id = typeof element === 'string' ? element : isObject(element) ? getInsensitive(element, 'value') : undefined;
    if (typeof id !== 'string' || id === '') {
      throw new ScimError(400, 'invalidValue', `${where}: every member needs a "value" holding the member's id; got ${JSON.stringify(element)}.`);
    }
    ids.push(id);
  }
  return [...new Set(ids)];
}

/** 400 for a request naming more members than one request may. */
export function tooManyMembers(where: string, count: number): ScimError {
  return new ScimError(400, 'invalidValue', `${where}: ${count} members in one request; at most ${MAX_VALUES_PER_ATTRIBUTE} are accepted, send the rest in further requests.`);
}

/**
 * The member ids a Group POST/PUT body carries (some Okta apps send memberships only there);
 * undefined when the body has no `members` key, `[]` when it is `null` or empty.
 */
export function bodyMemberIds(body: unknown): string[] | undefined {
  if (!isObject(body)) return undefined;
  const raw = getInsensitive(body, 'members');
  return raw === undefined ? undefined : memberIds(raw);
}
