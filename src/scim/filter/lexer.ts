/**
 * Tokenizer for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2). Linear time, no
 * regular expressions over the input; every failure is a `SyntaxFailure` the parser turns into the
 * right SCIM error type.
 */

/** What a token is: punctuation, a JSON string, a bare word (name, keyword, operator or literal), or the end. */
export type TokenKind = 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'dot' | 'string' | 'word' | 'eof';

/** One token; `pos` is the 0-based offset of its first character in the input. */
export interface Token {
  kind: TokenKind;
  /** The source text (for `string`, including the quotes). */
  text: string;
  /** For `string`: the decoded JSON string value. */
  value?: string;
  pos: number;
}

/** A syntax error at a position, before it becomes `invalidFilter` or `invalidPath`. */
export class SyntaxFailure extends Error {
  readonly pos: number;
  constructor(pos: number, message: string) {
    super(message);
    this.name = 'SyntaxFailure';
    this.pos = pos;
  }
}

const PUNCTUATION: Record<string, TokenKind> = { '(': 'lparen', ')': 'rparen', '[': 'lbracket', ']': 'rbracket' };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** Ends a bare word: whitespace, brackets, parentheses and quotes. */
function endsWord(ch: string): boolean {
  return isSpace(ch) || ch in PUNCTUATION || ch === '"';
}

function isHexDigit(ch: string): boolean {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/** Reads the JSON string starting at `start` (a `"`), decoding every JSON escape (RFC 8259 §7). */
function readString(input: string, start: number): Token {
  let value = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '"') return { kind: 'string', text: input.slice(start, i + 1), value, pos: start };
    if (ch !== '\\') {
      value += ch;
      i += 1;
      continue;
    }
    const escape = input[i + 1];
    if (escape === undefined) break;
    if (escape === 'u') {
      const hex = input.slice(i + 2, i + 6);
      if (hex.length !== 4 || ![...hex].every(isHexDigit)) {
        throw new SyntaxFailure(i, `invalid \\u escape in string (expected 4 hex digits)`);
      }
      value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    const decoded = ESCAPES[escape];
    if (decoded === undefined) throw new SyntaxFailure(i, `invalid escape "\\${escape}" in string`);
    value += decoded;
    i += 2;
  }
  throw new SyntaxFailure(start, 'unterminated string (missing closing ")');
}

/** Splits `input` into tokens, ending with one `eof` token. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (isSpace(ch)) {
      i += 1;
    } else if (ch in PUNCTUATION) {
      tokens.push({ kind: PUNCTUATION[ch]!, text: ch, pos: i });
      i += 1;
    } else if (ch === '"') {
      const token = readString(input, i);
      tokens.push(token);
      i += token.text.length;
    } else if (ch === '.' && input[i - 1] === ']') {
      // Only directly after `]` does a dot stand alone: `emails[type eq "work"].value`.
      tokens.push({ kind: 'dot', text: ch, pos: i });
      i += 1;
    } else {
      const start = i;
      while (i < input.length && !endsWord(input[i]!)) i += 1;
      tokens.push({ kind: 'word', text: input.slice(start, i), pos: start });
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: input.length });
  return tokens;
}
