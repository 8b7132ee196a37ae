/**
 * The abstract syntax of SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2). Produced by
 * the parser, printed back by the printer, evaluated in memory, and compiled to SQL.
 */
import type { AttrPath } from '../schema/types.ts';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** A comparison value: JSON literal (dates are strings, recognised by the attribute's type). */
export type Literal = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: Literal }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /**
   * `emails[type eq "work" and value co "@x"]`: some element of the multi-valued `path` matches
   * `filter` (whose paths are relative to the element). Entra's `emails[type eq "work"].value eq "x"`
   * is `{ valuePath, filter: type eq "work" and value eq "x" }` — the same meaning.
   */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/**
 * A PATCH `path` (RFC 7644 §3.5.2): `attrPath` or `valuePath ["." subAttr]`, e.g.
 * `name.givenName`, `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 */
export interface PatchPath {
  /** The attribute (with `subAttr` when written as `name.givenName` with no filter). */
  attr: AttrPath;
  /** The element filter in brackets, relative to an element of `attr`. */
  valueFilter?: Filter;
  /** The sub-attribute after the brackets (`.value` in `emails[…].value`). */
  subAttr?: string;
}
