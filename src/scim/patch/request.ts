/**
 * zod schema of the PATCH request envelope (RFC 7644 §3.5.2), validated at the boundary by the
 * routes (@hono/zod-validator with a hook that throws ScimError 400 invalidSyntax). The values
 * themselves are validated by `applyPatch`, which knows the schemas.
 */
import { z } from 'zod';
import { MAX_PATCH_OPERATIONS } from '../limits.ts';
import { PATCH_OP_URN } from '../schema/urns.ts';

const containsUrn = (urn: string) => (schemas: string[]) => schemas.some((s) => s.toLowerCase() === urn.toLowerCase());

/** One PATCH operation (RFC 7644 §3.5.2); `op` is case-insensitive (Entra sends `Add`, `Replace`, `Remove`). */
export const patchOperationSchema = z.object({
  op: z
    .string()
    .transform((op) => op.toLowerCase())
    .pipe(z.enum(['add', 'replace', 'remove'], { error: 'op must be "add", "replace" or "remove"' })),
  // Some clients send `"path": null` for a pathless operation.
  path: z
    .string()
    .nullish()
    .transform((path) => path ?? undefined),
  value: z.unknown().optional(),
});

/** The PATCH request body (RFC 7644 §3.5.2): the PatchOp schema and a non-empty `Operations` array. */
export const patchRequestSchema = z.object({
  schemas: z.array(z.string()).refine(containsUrn(PATCH_OP_URN), { error: `schemas must include "${PATCH_OP_URN}"` }),
  Operations: z
    .array(patchOperationSchema)
    .min(1, { error: 'Operations must hold at least one operation' })
    .max(MAX_PATCH_OPERATIONS, { error: `Operations may hold at most ${MAX_PATCH_OPERATIONS} operations per request; send the rest in further requests` }),
});

/** A validated PATCH operation. */
export type PatchOperation = z.output<typeof patchOperationSchema>;
/** A validated PATCH request. */
export type PatchRequest = z.output<typeof patchRequestSchema>;
