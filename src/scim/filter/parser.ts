/**
 * Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2).
 * Precedence: `not` binds tighter than `and`, which binds tighter than `or`; `and`/`or` associate
 * to the left. Lenient where providers are: any whitespace run between tokens, case-insensitive
 * keywords and literals, bare words as string values (Entra), `emails[…].value eq "x"` (Entra).
 */
import { ScimError, type ScimType } from '../../http/errors.ts';
import type { CompareOp, Filter, Literal, PatchPath } from './ast.ts';
import type { AttrPath } from '../schema/types.ts';
import { SyntaxFailure, tokenize, type Token, type TokenKind } from './lexer.ts';

/** Longest filter or PATCH path accepted; longer input is refused before it is read. */
export const MAX_FILTER_LENGTH = 4096;
/** Deepest nesting of parentheses, `not (…)` and brackets accepted. */
export const MAX_FILTER_DEPTH = 32;

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

// ATTRNAME = ALPHA *(nameChar), plus `$ref` (RFC 7643 §2.1, §7).
const ATTRNAME = /^(?:\$ref|[A-Za-z][A-Za-z0-9_-]*)$/i;
// RFC 8259 §6 number; each part is deterministic, so matching is linear.
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function describe(token: Token): string {
  if (token.kind === 'eof') return 'the end of the input';
  const text = token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text;
  return token.kind === 'string' ? `the string ${text}` : `"${text}"`;
}

function checkAttrName(name: string, pos: number, whole: string): void {
  if (!ATTRNAME.test(name)) throw new SyntaxFailure(pos, `"${whole.slice(0, 80)}" is not a valid attribute path`);
}

/** `[URN ":"] ATTRNAME ["." ATTRNAME]`; the URN is everything before the last `:` (URNs hold dots: `2.0`). */
function toAttrPath(token: Token): AttrPath {
  let rest = token.text;
  let uri: string | undefined;
  if (rest.slice(0, 4).toLowerCase() === 'urn:') {
    const colon = rest.lastIndexOf(':');
    uri = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    const segments = uri.split(':');
    if (segments.length < 2 || segments.some((part) => part === '')) {
      throw new SyntaxFailure(token.pos, `"${token.text.slice(0, 80)}" has an empty segment in its schema URN`);
    }
  }
  const parts = rest.split('.');
  if (parts.length > 2) throw new SyntaxFailure(token.pos, `"${token.text.slice(0, 80)}" has more than one sub-attribute`);
  const [name = '', subAttr] = parts;
  checkAttrName(name, token.pos, token.text);
  if (subAttr !== undefined) checkAttrName(subAttr, token.pos, token.text);
  return { ...(uri === undefined ? {} : { uri }), name, ...(subAttr === undefined ? {} : { subAttr }) };
}

/** A bare word in value position: `true`/`false`/`null` (any case), a JSON number, else a string. */
function toLiteral(token: Token): Literal {
  const lower = token.text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (JSON_NUMBER.test(token.text)) {
    const n = Number(token.text);
    if (!Number.isFinite(n)) throw new SyntaxFailure(token.pos, `the number ${token.text.slice(0, 40)} is out of range`);
    return n;
  }
  return token.text;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private isOperator(token: Token): boolean {
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    return word === 'pr' || COMPARE_OPS.has(word);
  }

  expect(kind: TokenKind, what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw new SyntaxFailure(token.pos, `expected ${what} but found ${describe(token)}`);
    return this.next();
  }

  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > MAX_FILTER_DEPTH) throw new SyntaxFailure(token.pos, `nesting is deeper than ${MAX_FILTER_DEPTH} levels`);
  }

  /** `filter = term *("or" term)`; `inBrackets` is true inside `attr[…]`, where value paths may not nest. */
  parseOr(inBrackets: boolean): Filter {
    return this.parseChain('or', () => this.parseAnd(inBrackets));
  }

  private parseAnd(inBrackets: boolean): Filter {
    return this.parseChain('and', () => this.parseUnary(inBrackets));
  }

  /** `operand *(keyword operand)`, associating to the left. */
  private parseChain(kind: 'and' | 'or', operand: () => Filter): Filter {
    let left = operand();
    while (this.isKeyword(this.peek(), kind)) {
      this.next();
      left = { kind, left, right: operand() };
    }
    return left;
  }

  private parseUnary(inBrackets: boolean): Filter {
    const token = this.peek();
    if (token.kind === 'lparen') {
      return this.parseGroup(inBrackets);
    }
    // `not` is an attribute name only where an operator follows it (`not pr`).
    if (this.isKeyword(token, 'not') && !this.isOperator(this.peek(1))) {
      this.next();
      if (this.peek().kind !== 'lparen') {
        throw new SyntaxFailure(this.peek().pos, `expected "(" after "not" but found ${describe(this.peek())}`);
      }
      return { kind: 'not', filter: this.parseGroup(inBrackets) };
    }
    return this.parseAttrExpression(inBrackets);
  }

  private parseGroup(inBrackets: boolean): Filter {
    this.enter(this.next());
    const inner = this.parseOr(inBrackets);
    this.expect('rparen', '")"');
    this.depth -= 1;
    return inner;
  }

  parseAttrPath(): AttrPath {
    return toAttrPath(this.expect('word', 'an attribute name'));
  }

  /** `attrPath "[" valFilter "]"`, with `["." subAttr]` for the value-path forms that take one. */
  parseValuePathTail(path: AttrPath, at: Token, inBrackets: boolean): Filter {
    if (inBrackets) throw new SyntaxFailure(at.pos, 'value filters in brackets cannot be nested');
    if (path.subAttr !== undefined) {
      throw new SyntaxFailure(at.pos, `"[" must follow a multi-valued attribute, not the sub-attribute "${path.name}.${path.subAttr}"`);
    }
    this.enter(this.next());
    const inner = this.parseOr(true);
    this.expect('rbracket', '"]"');
    this.depth -= 1;
    return inner;
  }

  /** The `.subAttr` after `]`, or undefined when there is none. */
  parseSubAttrAfterBracket(): string | undefined {
    if (this.peek().kind !== 'dot') return undefined;
    this.next();
    const token = this.expect('word', 'a sub-attribute name after "]."');
    checkAttrName(token.text, token.pos, token.text);
    return token.text;
  }

  private parseAttrExpression(inBrackets: boolean): Filter {
    const path = this.parseAttrPath();
    const bracket = this.peek();
    if (bracket.kind !== 'lbracket') return this.parseOperation(path);
    const inner = this.parseValuePathTail(path, bracket, inBrackets);
    const subAttr = this.parseSubAttrAfterBracket();
    // Entra's `emails[type eq "work"].value eq "x"` means "an element with type work and value x".
    const filter: Filter = subAttr === undefined ? inner : { kind: 'and', left: inner, right: this.parseOperation({ name: subAttr }) };
    return { kind: 'valuePath', path, filter };
  }

  private parseOperation(path: AttrPath): Filter {
    const token = this.peek();
    if (!this.isOperator(token)) {
      throw new SyntaxFailure(token.pos, `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) but found ${describe(token)}`);
    }
    this.next();
    const op = token.text.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    return { kind: 'compare', path, op: op as CompareOp, value: this.parseValue(op) };
  }

  private parseValue(op: string): Literal {
    const token = this.peek();
    if (token.kind === 'string') return this.next().value!;
    if (token.kind === 'word') return toLiteral(this.next());
    throw new SyntaxFailure(token.pos, `expected a value after "${op}" but found ${describe(token)}`);
  }
}

function parseWith<T>(text: string, scimType: ScimType, label: string, parse: (parser: Parser) => T): T {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new ScimError(400, scimType, `${label} is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`);
  }
  try {
    const parser = new Parser(text);
    const result = parse(parser);
    parser.expect('eof', 'the end of the input');
    return result;
  } catch (error) {
    if (error instanceof SyntaxFailure) {
      throw new ScimError(400, scimType, `${label} is invalid at position ${error.pos + 1}: ${error.message}`);
    }
    throw error;
  }
}

/** Parses a `filter` query parameter (RFC 7644 §3.4.2.2); syntax errors are 400 `invalidFilter`. */
export function parseFilter(text: string): Filter {
  return parseWith(text, 'invalidFilter', 'The filter', (parser) => parser.parseOr(false));
}

/** Parses a PATCH operation `path` (RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`); errors are 400 `invalidPath`. */
export function parsePatchPath(text: string): PatchPath {
  return parseWith(text, 'invalidPath', 'The PATCH path', (parser) => {
    const attr = parser.parseAttrPath();
    const bracket = parser.peek();
    if (bracket.kind !== 'lbracket') return { attr };
    const valueFilter = parser.parseValuePathTail(attr, bracket, false);
    const subAttr = parser.parseSubAttrAfterBracket();
    return subAttr === undefined ? { attr, valueFilter } : { attr, valueFilter, subAttr };
  });
}

/** Parses a lone `[URN:]name[.subAttr]` (RFC 7644 §3.10), as `sortBy` carries one; errors are 400 with `scimType`. */
export function parseAttrPath(text: string, scimType: ScimType): AttrPath {
  return parseWith(text, scimType, `The attribute path "${text.slice(0, 80)}"`, (parser) => parser.parseAttrPath());
}
