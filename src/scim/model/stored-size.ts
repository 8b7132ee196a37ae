/** The stored size limit of one resource, checked on every write before anything reaches D1. */
import { ScimError } from '../../http/errors.ts';
import { MAX_STORED_RESOURCE_BYTES } from '../limits.ts';

/** 400 invalidValue when `json` (a resource's stored data, serialised) is more than MAX_STORED_RESOURCE_BYTES. */
export function requireStorable(resourceType: string, json: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long text needs encoding to be measured.
  if (json.length * 3 <= MAX_STORED_RESOURCE_BYTES) return;
  const bytes = new TextEncoder().encode(json).byteLength;
  if (bytes > MAX_STORED_RESOURCE_BYTES) {
    throw new ScimError(400, 'invalidValue', `The ${resourceType} would store ${bytes} bytes of attributes; at most ${MAX_STORED_RESOURCE_BYTES} are kept per resource. Nothing was changed.`);
  }
}
