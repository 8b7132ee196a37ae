/**
 * Each operation's path, parsed once per request: the split of a group's member operations parses
 * it to see whether it names `members`, and `applyPatch` takes the same parse for the rest.
 */
import type { PatchPath } from '../filter/ast.ts';
import { parsePatchPath } from '../filter/parser.ts';
import type { PatchOperation } from './request.ts';

const parsed = new WeakMap<PatchOperation, PatchPath>();

/** `path`, the operation's own, parsed (RFC 7644 §3.5.2), or the parser's 400. */
export function operationPath(operation: PatchOperation, path: string): PatchPath {
  let parsedPath = parsed.get(operation);
  if (!parsedPath) {
    parsedPath = parsePatchPath(path);
    parsed.set(operation, parsedPath);
  }
  return parsedPath;
}
