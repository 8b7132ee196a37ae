/**
 * List and search parameters (RFC 7644 §3.4.2 / §3.4.3), the same for `GET ?query` and
 * `POST /.search` bodies, validated once here.
 */
import { z } from 'zod';

/** Largest page served; advertised as `filter.maxResults`. */
export const MAX_RESULTS = 200;
/** Page size when the client gives no `count`. */
export const DEFAULT_COUNT = 100;

const integer = z.union([z.number(), z.string().trim().regex(/^[+-]?\d{1,15}$/, 'expected an integer')]).transform(Number).pipe(z.number().int('expected an integer'));

/** A comma-separated string (query) or an array of strings (.search body). */
const attributeList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v.join(',') : v));

/** Validated list parameters; unknown parameters (`?aadOptscim062020`) are ignored. */
export const listQuerySchema = z
  .object({
    filter: z.string().optional(),
    // RFC 7644 §3.4.2.4: startIndex < 1 is 1; a negative count is 0; count is capped by maxResults.
    startIndex: integer.optional().transform((v) => Math.max(1, v ?? 1)),
    count: integer.optional().transform((v) => Math.min(MAX_RESULTS, Math.max(0, v ?? DEFAULT_COUNT))),
    sortBy: z.string().trim().min(1).optional(),
    sortOrder: z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(['ascending', 'descending'], { message: 'sortOrder must be "ascending" or "descending"' }))
      .optional(),
    attributes: attributeList.optional(),
    excludedAttributes: attributeList.optional(),
  })
  .loose();

export type ListQuery = z.output<typeof listQuerySchema>;
