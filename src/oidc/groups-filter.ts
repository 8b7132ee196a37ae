/**
 * The tenant's groups filter (Okta's "groups claim filter … Matches regex"): a regular expression a
 * whole group name must match. Checked when it is saved, so that it can neither step outside its
 * anchors (`a)|(.*` would turn `^(?:…)$` into "contains") nor backtrack without bound on a hostile
 * claim: no backreferences, no repeated group holding a quantifier or an alternation (`(a+)+`,
 * `(a|aa)*`), at most MAX_QUANTIFIERS quantifiers, and names longer than MAX_MATCHED_NAME never match,
 * which bounds the work of one match to a polynomial of small degree in a short input.
 */

/** Longest filter accepted; Okta's own field holds far less. */
export const MAX_GROUPS_FILTER_LENGTH = 200;
/** Quantifiers one filter may use (`App-.*` uses one). */
export const MAX_QUANTIFIERS = 3;
/** Longer group names never match (Okta's own limit is 255). */
export const MAX_MATCHED_NAME = 256;

/** Why `filter` cannot be a groups filter, or undefined when it can. */
export function groupsFilterProblem(filter: string): string | undefined {
  if (filter.length > MAX_GROUPS_FILTER_LENGTH) return `is longer than ${MAX_GROUPS_FILTER_LENGTH} characters`;
  try {
    // Alone, so unbalanced parentheses that would close our own group are a syntax error.
    new RegExp(filter, 'u');
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(filter)) return 'uses a backreference, which can make matching slow without bound';
  const shape = quantifierShape(filter);
  if (shape.nested) return 'repeats a group that itself repeats or holds alternatives (like "(a+)+" or "(a|b)*"), which can make matching slow without bound; write it without the outer repetition';
  if (shape.count > MAX_QUANTIFIERS) return `uses ${shape.count} quantifiers; at most ${MAX_QUANTIFIERS} are accepted`;
  return undefined;
}

const QUANTIFIER_START = /[*+?{]/;

/**
 * How many quantifiers `filter` uses, and whether a quantified group holds a quantifier or an
 * alternation (star height above one, or ambiguous repetition: the shapes of catastrophic backtracking).
 */
function quantifierShape(filter: string): { count: number; nested: boolean } {
  // Per open group: whether it holds a quantifier or `|` so far.
  const open: boolean[] = [];
  let risky = false;
  let count = 0;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i]!;
    if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      // A character class holds no groups, quantifiers or alternation; skip to its end.
      for (i++; i < filter.length && filter[i] !== ']'; i++) if (filter[i] === '\\') i++;
    } else if (ch === '(') {
      open.push(risky);
      risky = false;
    } else if (ch === ')') {
      const inner: boolean = risky;
      risky = open.pop() ?? false;
      if (QUANTIFIER_START.test(filter[i + 1] ?? '') && inner) return { count, nested: true };
      risky ||= inner;
    } else if (ch === '|') {
      risky = true;
    } else if (QUANTIFIER_START.test(ch) && !(ch === '?' && (filter[i - 1] === '(' || QUANTIFIER_START.test(filter[i - 1] ?? '') || filter[i - 1] === '}'))) {
      count++;
      risky = true;
      if (ch === '{') while (i < filter.length && filter[i] !== '}') i++;
    }
  }
  return { count, nested: false };
}

/** The whole-name test of a filter that passed groupsFilterProblem. */
export function groupsFilterMatcher(filter: string): (name: string) => boolean {
  const pattern = new RegExp(`^(?:${filter})$`, 'u');
  return (name) => name.length <= MAX_MATCHED_NAME && pattern.test(name);
}
