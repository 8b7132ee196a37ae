/**
 * The one case folding of caseExact=false comparisons (RFC 7643 §2.2): ASCII letters only, exactly
 * what SQLite's built-in `lower()` does on D1 (no ICU). Folding the same way in JavaScript keeps the
 * in-memory evaluator, the SQL compiler, the `lower(user_name)` unique index and `user_emails.value`
 * in agreement; full Unicode folding would make them disagree on values like "É".
 */

/** `s` with A–Z lower-cased and every other character unchanged, like SQLite `lower()`. */
export function foldCase(s: string): string {
  return s.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}
