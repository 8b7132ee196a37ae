/**
 * Group `members` PATCH operations, taken out of a request so the groups code can apply them to
 * the membership table (members are never part of the stored data). Every shape of
 * docs/interop.md: Okta's mixed `remove members[value eq "id"]` + `add members [...]`, full
 * `replace members [...]`, pathless `replace {members: [], …}`; Entra's `Remove members` with a
 * value list (removes only those — never the whole group); `remove members` alone clears.
 */
import { ScimError } from '../../http/errors.ts';
import type { Filter, PatchPath } from '../filter/ast.ts';
import { parsePatchPath } from '../filter/parser.ts';
import { operationPath } from './operation-path.ts';
import { isObject } from '../model/json.ts';
import { MAX_VALUES_PER_ATTRIBUTE } from '../limits.ts';
import { memberIds, tooManyMembers } from '../model/members.ts';
import { findAttribute, GROUP_RESOURCE_TYPE } from '../schema/resource-types.ts';
import type { PatchOperation } from './request.ts';

/**
 * The net membership change of a request, operations folded in order. With `replaceAll` the
 * membership becomes exactly that list (`add`/`remove` are then empty); otherwise it becomes
 * (current ∪ add) ∖ remove, and no id is in both.
 */
export interface MemberChanges {
  add: string[];
  remove: string[];
  replaceAll?: string[];
}

/** A request split into its membership change and the operations left for `applyPatch`. */
export interface SplitOperations {
  memberChanges: MemberChanges;
  rest: PatchOperation[];
}

/** `parse()`, or undefined when the text is no path: `applyPatch` then says why. */
function parsedOrUndefined(parse: () => PatchPath): PatchPath | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** Whether a parsed path names Group `members`, possibly URN-qualified. */
function namesMembers(parsed: PatchPath | undefined): parsed is PatchPath {
  return parsed !== undefined && findAttribute(GROUP_RESOURCE_TYPE, { ...parsed.attr, subAttr: undefined })?.attribute.name === 'members';
}

/** The ids a `members[…]` filter selects: `value eq "id"`, or several joined by `or`. */
function filterIds(filter: Filter, path: string): string[] {
  if (filter.kind === 'or') return [...filterIds(filter.left, path), ...filterIds(filter.right, path)];
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.path.name.toLowerCase() === 'value' && !filter.path.subAttr && typeof filter.value === 'string') {
    return [filter.value];
  }
  throw new ScimError(400, 'invalidFilter', `PATCH path "${path}": members can only be selected by id, as members[value eq "<id>"] (joined by "or" for several).`);
}

/** Folds membership operations in order, in time linear in the ids named (Sets keep insertion order). */
class MemberFold {
  private replaceAll: Set<string> | undefined;
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();
  /** Ids named so far by this request, capped as one attribute's values are. */
  private named = 0;

  private count(ids: string[]): void {
    this.named += ids.length;
    if (this.named > MAX_VALUES_PER_ATTRIBUTE) throw tooManyMembers('members', this.named);
  }

  add(ids: string[]): void {
    this.count(ids);
    for (const id of ids) {
      if (this.replaceAll) this.replaceAll.add(id);
      else {
        this.removed.delete(id);
        this.added.add(id);
      }
    }
  }

  remove(ids: string[]): void {
    this.count(ids);
    for (const id of ids) {
      if (this.replaceAll) this.replaceAll.delete(id);
      else {
        this.added.delete(id);
        this.removed.add(id);
      }
    }
  }

  replace(ids: string[]): void {
    this.count(ids);
    this.replaceAll = new Set(ids);
    this.added.clear();
    this.removed.clear();
  }

  result(): MemberChanges {
    return { add: [...this.added], remove: [...this.removed], ...(this.replaceAll ? { replaceAll: [...this.replaceAll] } : {}) };
  }
}

function foldPathOperation(fold: MemberFold, { op, path, value }: PatchOperation & { path: string }, parsed: PatchPath): void {
  if (parsed.attr.subAttr !== undefined || parsed.subAttr !== undefined) {
    throw new ScimError(400, 'mutability', `PATCH path "${path}": a member's sub-attributes cannot be changed; add or remove the member instead.`);
  }
  if (parsed.valueFilter) {
    if (op !== 'remove') throw new ScimError(400, 'invalidPath', `PATCH path "${path}": use "add" with path "members" to add members, "remove" with a filter to remove them.`);
    fold.remove(filterIds(parsed.valueFilter, path));
  } else if (op === 'add') fold.add(memberIds(value, path));
  else if (op === 'replace') fold.replace(memberIds(value, path));
  // Entra's `Remove members` with a value list removes only the listed members.
  else if (value !== undefined && value !== null) fold.remove(memberIds(value, path));
  else fold.replace([]);
}

/**
 * The keys of a pathless value, with a core-schema block (`{"urn:…:core:2.0:Group": {members, …}}`)
 * spelled out as URN-qualified keys, so `members` inside it is a membership change too.
 */
function withCoreBlockFlattened(value: Record<string, unknown>): [string, unknown][] {
  const core = GROUP_RESOURCE_TYPE.schema.id;
  return Object.entries(value).flatMap(([key, inner]): [string, unknown][] =>
    key.toLowerCase() === core.toLowerCase() && isObject(inner) ? Object.entries(inner).map(([name, v]): [string, unknown] => [`${core}:${name}`, v]) : [[key, inner]],
  );
}

/** Splits Group `members` operations out of a PATCH request (RFC 7644 §3.5.2, interop doc), keeping their order's meaning. */
export function splitMemberOperations(operations: readonly PatchOperation[]): SplitOperations {
  const fold = new MemberFold();
  const rest: PatchOperation[] = [];
  for (const operation of operations) {
    if (operation.path !== undefined) {
      const path = operation.path;
      const parsed = parsedOrUndefined(() => operationPath(operation, path));
      if (namesMembers(parsed)) foldPathOperation(fold, { ...operation, path }, parsed);
      else rest.push(operation);
      continue;
    }
    if (operation.op === 'remove' || !isObject(operation.value)) {
      rest.push(operation);
      continue;
    }
    const entries = withCoreBlockFlattened(operation.value);
    const isMembers = entries.map(([key]) => namesMembers(parsedOrUndefined(() => parsePatchPath(key))));
    const members = entries.filter((_, i) => isMembers[i]);
    for (const [key, value] of members) {
      if (operation.op === 'add') fold.add(memberIds(value, key));
      else fold.replace(memberIds(value, key));
    }
    const others = entries.filter((_, i) => !isMembers[i]);
    if (members.length === 0 || others.length > 0) rest.push({ ...operation, value: Object.fromEntries(others) });
  }
  return { memberChanges: fold.result(), rest };
}
