/**
 * A request's URL cut into origin, path and the rest by string search, not `new URL()`: the
 * runtime hands every request an absolute, already serialized URL, and SCIM requests needed two
 * parses of it each only for these parts.
 */
export interface RequestUrlParts {
  /** `https://host[:port]`. */
  origin: string;
  /** `/path`, as serialized (percent-encoded); http(s) URLs always have one. */
  path: string;
  /** `?query` and `#fragment`, or empty. */
  rest: string;
}

export function requestUrlParts(url: string): RequestUrlParts {
  const authority = url.indexOf('//') + 2;
  const ends = [url.indexOf('/', authority), url.indexOf('?', authority), url.indexOf('#', authority)].filter((i) => i >= 0);
  const originEnd = ends.length ? Math.min(...ends) : url.length;
  const restStart = [url.indexOf('?', originEnd), url.indexOf('#', originEnd)].filter((i) => i >= 0);
  const pathEnd = restStart.length ? Math.min(...restStart) : url.length;
  return { origin: url.slice(0, originEnd), path: url.slice(originEnd, pathEnd), rest: url.slice(pathEnd) };
}
