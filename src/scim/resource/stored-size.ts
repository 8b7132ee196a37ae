/** The stored size limit of one resource, checked on every write before anything reaches D1. */
import { ScimError } from '../../http/errors.ts';
import { MAX_STORED_RESOURCE_BYTES } from '../limits.ts';
import type { ScimData } from './normalize.ts';

/** 400 invalidValue when `data` would store more than MAX_STORED_RESOURCE_BYTES. */
export function requireStorable(resourceType: string, data: ScimData): void {
  const bytes = new TextEncoder().encode(JSON.stringify(data)).byteLength;
  if (bytes > MAX_STORED_RESOURCE_BYTES) {
    throw new ScimError(400, 'invalidValue', `The ${resourceType} would store ${bytes} bytes of attributes; at most ${MAX_STORED_RESOURCE_BYTES} are kept per resource. Nothing was changed.`);
  }
}
