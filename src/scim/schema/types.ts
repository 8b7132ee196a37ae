/**
 * SCIM schema definitions as data (RFC 7643 §7): the same objects are served by `/Schemas` and
 * drive validation, filtering, PATCH and `attributes`/`excludedAttributes` projection.
 */
/** An attribute's path (RFC 7644 §3.10): `[URN ":"] name ["." subAttr]`; names keep the case they were written in (matching is case-insensitive). */
export interface AttrPath {
  /** Schema URN, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  uri?: string;
  name: string;
  subAttr?: string;
}

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute definition, exactly the shape RFC 7643 §7 serves under `/Schemas`. */
export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

/** A schema (core resource schema or extension), as served under `/Schemas/{id}`. */
export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

/** An extension a resource type allows (RFC 7643 §6 `schemaExtensions`). */
export interface SchemaExtension {
  schema: SchemaDefinition;
  required: boolean;
}

/** A resource type (RFC 7643 §6) with its schemas as definitions, rendered under `/ResourceTypes`. */
export interface ResourceTypeDefinition {
  /** Name and id, e.g. `User`. */
  name: string;
  /** Relative endpoint, e.g. `/Users`. */
  endpoint: string;
  description: string;
  schema: SchemaDefinition;
  schemaExtensions: SchemaExtension[];
  /** Core attributes kept outside the stored `data` (Group `members` live in `group_members`). */
  storedSeparately?: string[];
}
