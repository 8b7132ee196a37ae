/**
 * The change-log events of user and group writes (src/events/event-log.ts), built from the rows a
 * write decided on, to join the write's own batch. An event's object is the resource as
 * `GET /Users/{id}` or `GET /Groups/{id}` returns it after the change, less the memberships:
 * they travel as `group.user_added` / `group.user_removed` events of their own (docs/interop.md 13).
 */
import { eventRun, type EventType } from '../../events/event-log.ts';
import type { CompiledRun } from '../../db/compiled-statement.ts';
import type { JsonObject } from '../model/json.ts';
import { projectResource } from '../model/projection.ts';
import { toScimResource, type StoredResource } from '../model/render.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { WriteContext } from './write-context.ts';

/** The resource as an event (and the directory snapshot) shows it: GET's rendering, its `returned: never` attributes left out. */
export function eventObject(resourceType: ResourceTypeDefinition, row: StoredResource, baseUrl: string): JsonObject {
  return projectResource(resourceType, toScimResource(resourceType, row, baseUrl), {});
}

/** The top-level attributes whose values differ between two stored states. */
function changedAttributes(before: JsonObject, after: JsonObject): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])).sort();
}

const prefix = (resourceType: ResourceTypeDefinition) => (resourceType.name === 'User' ? 'user' : 'group');
const isInactive = (data: JsonObject) => data.active === false;

/**
 * `user.created` / `group.created`: `changed` names every attribute it was created with. A user
 * write has no other event, so its event may merge in a combined batch; a group's membership
 * events must follow it.
 */
export function createdEvent(ctx: WriteContext, resourceType: ResourceTypeDefinition, row: StoredResource): CompiledRun {
  return eventRun(ctx, `${prefix(resourceType)}.created`, { object: eventObject(resourceType, row, ctx.baseUrl), changed: Object.keys(row.data).sort() }, resourceType.name === 'User');
}

/**
 * The event of an update: a user's `active` turning false is `user.deactivated`, turning back
 * `user.reactivated`, anything else `*.updated`; undefined when only memberships changed.
 */
export function updatedEvent(ctx: WriteContext, resourceType: ResourceTypeDefinition, before: StoredResource, after: StoredResource): CompiledRun | undefined {
  const changed = changedAttributes(before.data, after.data);
  if (changed.length === 0) return undefined;
  let type: EventType = `${prefix(resourceType)}.updated`;
  if (resourceType.name === 'User' && isInactive(before.data) !== isInactive(after.data)) type = isInactive(after.data) ? 'user.deactivated' : 'user.reactivated';
  return eventRun(ctx, type, { object: eventObject(resourceType, after, ctx.baseUrl), changed }, resourceType.name === 'User');
}

/** `user.deleted` / `group.deleted`, carrying the last state. */
export function deletedEvent(ctx: WriteContext, resourceType: ResourceTypeDefinition, last: StoredResource): CompiledRun {
  return eventRun(ctx, `${prefix(resourceType)}.deleted`, { object: eventObject(resourceType, last, ctx.baseUrl), changed: [] }, resourceType.name === 'User');
}

/** A run that may not exist, spread into a batch. */
export function optional(run: CompiledRun | undefined): CompiledRun[] {
  return run ? [run] : [];
}
