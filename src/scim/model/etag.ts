/** A resource version as an entity tag, and the conditional headers that name one (RFC 7644 §3.14, RFC 7232). */
import { ScimError } from '../../http/errors.ts';

/** The weak ETag of a resource version: `W/"3"`. */
export function etag(version: number): string {
  return `W/"${version}"`;
}

/** Whether an `If-Match`/`If-None-Match` list names this version (weak comparison, RFC 7232 §2.3.2); `*` names any. */
function etagListMatches(header: string, version: number): boolean {
  const current = etag(version);
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === current || t === `"${version}"`;
  });
}

/** Checks `If-Match` against the current version: 412 when it names another one. */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch !== undefined && !etagListMatches(ifMatch, version)) {
    throw new ScimError(412, undefined, `Resource version is ${etag(version)}, not ${ifMatch}: fetch it again and retry.`);
  }
}

/** Whether `If-None-Match` names the current version (then GET answers 304). */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, version: number): boolean {
  return ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, version);
}
