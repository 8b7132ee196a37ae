/**
 * RFC 7643 §3.1 common attributes (id, externalId, meta): part of every resource but of no
 * schema, so `/Schemas` does not serve them; filters and projection still resolve them here.
 */
import { attr, complex } from './build.ts';
import type { AttributeDefinition } from './types.ts';

const readOnly = { mutability: 'readOnly' } as const;

/** `id`: server-assigned, readOnly, always returned, caseExact (RFC 7643 §3.1). */
export const ID_ATTRIBUTE: AttributeDefinition = attr('id', 'string', 'Server-assigned unique identifier of the resource.', {
  caseExact: true,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'server',
});

/** `externalId`: the provisioning client's identifier, caseExact (RFC 7643 §3.1). */
export const EXTERNAL_ID_ATTRIBUTE: AttributeDefinition = attr('externalId', 'string', "The provisioning client's identifier for the resource.", {
  caseExact: true,
});

/** `meta`: readOnly resource metadata (RFC 7643 §3.1). */
export const META_ATTRIBUTE: AttributeDefinition = complex(
  'meta',
  'Resource metadata maintained by the service provider.',
  [
    attr('resourceType', 'string', 'The name of the resource type.', { ...readOnly, caseExact: true }),
    attr('created', 'dateTime', 'When the resource was added.', readOnly),
    attr('lastModified', 'dateTime', 'When the resource was last changed.', readOnly),
    attr('location', 'reference', 'The URI of the resource.', { ...readOnly, referenceTypes: ['uri'] }),
    attr('version', 'string', 'The entity tag of the current version.', { ...readOnly, caseExact: true }),
  ],
  readOnly,
);

/** The common attributes in the order a resource renders them. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [ID_ATTRIBUTE, EXTERNAL_ID_ATTRIBUTE, META_ATTRIBUTE];
