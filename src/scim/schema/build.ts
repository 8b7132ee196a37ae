/**
 * Terse builders for RFC 7643 §7 attribute definitions: every characteristic is spelled out in the
 * served JSON, so the builders fill in the RFC's defaults (§2.2) and the definitions list only what differs.
 */
import type { AttributeDefinition, AttributeType } from './types.ts';

type Overrides = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/** An attribute with RFC 7643 §2.2 defaults: single-valued, optional, caseExact false, readWrite, returned default, uniqueness none. */
export function attr(name: string, type: AttributeType, description: string, overrides: Overrides = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

/** A complex attribute with the given sub-attributes. */
export function complex(name: string, description: string, subAttributes: AttributeDefinition[], overrides: Overrides = {}): AttributeDefinition {
  return attr(name, 'complex', description, { ...overrides, subAttributes });
}

interface MultiValuedOptions {
  /** Type of the `value` sub-attribute (string unless the RFC says otherwise). */
  valueType?: AttributeType;
  valueReferenceTypes?: string[];
  /** RFC-given canonical values of `type`. */
  typeValues?: string[];
}

/**
 * The multi-valued complex shape of RFC 7643 §2.4 (`value`, `display`, `type`, `primary`) used by
 * emails, phoneNumbers, ims, photos, entitlements, roles and x509Certificates.
 */
export function multiValued(name: string, description: string, options: MultiValuedOptions = {}): AttributeDefinition {
  const value = attr('value', options.valueType ?? 'string', `The ${name} value.`, options.valueReferenceTypes ? { referenceTypes: options.valueReferenceTypes } : {});
  const type = attr('type', 'string', `A label for the ${name} value's function.`, options.typeValues ? { canonicalValues: options.typeValues } : {});
  return complex(
    name,
    description,
    [
      value,
      attr('display', 'string', 'A human-readable name, primarily for display.'),
      type,
      attr('primary', 'boolean', `Marks the preferred ${name} value; at most one value is primary.`),
    ],
    { multiValued: true },
  );
}
