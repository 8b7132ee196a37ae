/**
 * The management API's OpenAPI document is a valid OpenAPI 3.1 document (checked against the
 * specification's own JSON Schema by a validator made for it), and every schema in it compiles.
 * In Node: the validator compiles schemas to code, which workerd does not allow.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { API_OPERATIONS } from '../../src/api/routes.ts';

describe('the OpenAPI document', () => {
  const document = openApiDocument(API_OPERATIONS, 'https://identity.example.com', '0.0.0-test');

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names each operation once and resolves every $ref', async () => {
    const ids = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    const validator = new Validator();
    await validator.validate(structuredClone(document));
    // resolveRefs throws on a $ref that points nowhere.
    expect(() => validator.resolveRefs()).not.toThrow();
  });
});
