/** The zod-validator hook: a failed validation becomes a typed SCIM error, rendered by onError. */
import type { z } from 'zod';
import { ApiProblem, ScimError, type ScimType } from './errors.ts';

/** Readable summary of zod issues: `count: expected an integer; sortOrder: …`. */
export function describeIssues(error: { issues: readonly z.core.$ZodIssue[] }): string {
  return error.issues.map((issue) => `${issue.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`).join('; ');
}

/** A hook for `zValidator(target, schema, scimHook('invalidValue'))`. */
export function scimHook(scimType: ScimType) {
  return (result: { success: true } | { success: false; error: z.core.$ZodError }): void => {
    if (!result.success) throw new ScimError(400, scimType, describeIssues(result.error));
  };
}

/** A hook for `zValidator(target, schema, apiHook)` under `/api`: a 400 problem naming each issue. */
export function apiHook(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (!result.success) throw new ApiProblem(400, describeIssues(result.error));
}

/** Parses `value` with `schema`, or throws ScimError 400 `scimType` (for bodies read by `readJsonBody`). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, scimType: ScimType): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ScimError(400, scimType, describeIssues(result.error));
  return result.data;
}
