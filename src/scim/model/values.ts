/**
 * Coercion of one simple (non-complex) attribute value to its RFC 7643 §2.3 type, with the
 * interop leniencies we decided on: `null` and `""` mean unassigned, Entra's `"True"`/`"False"`
 * are booleans. Nothing is trimmed: a value is stored as sent.
 */
import { ScimError } from '../../http/errors.ts';
import type { AttributeDefinition } from '../schema/types.ts';

// xsd:dateTime as RFC 7643 §2.3.5 requires, with an explicit offset or Z.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function invalid(where: string, expected: string, raw: unknown): ScimError {
  return new ScimError(400, 'invalidValue', `Attribute "${where}" must be ${expected}; got ${JSON.stringify(raw)}.`);
}

/** The value of simple attribute `definition` (named `where` in errors), or undefined when unassigned. */
export function coerceSimple(definition: AttributeDefinition, raw: unknown, where: string): unknown {
  if (raw === null || raw === undefined || raw === '') return undefined;
  switch (definition.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof raw === 'string') return raw;
      throw invalid(where, 'a string', raw);
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
      throw invalid(where, 'a boolean', raw);
    case 'integer':
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      throw invalid(where, 'an integer', raw);
    case 'decimal':
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      throw invalid(where, 'a number', raw);
    case 'dateTime':
      if (typeof raw === 'string' && DATE_TIME.test(raw) && !Number.isNaN(Date.parse(raw))) return raw;
      throw invalid(where, 'an xsd:dateTime such as "2024-05-01T12:00:00Z"', raw);
    case 'complex':
      throw new Error(`coerceSimple called for complex attribute ${where}`);
  }
}
