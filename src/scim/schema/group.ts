/** RFC 7643 §4.2 / §8.7.1: the core Group schema as served under `/Schemas`. */
import { attr, complex } from './build.ts';
import type { SchemaDefinition } from './types.ts';
import { GROUP_URN } from './urns.ts';

const immutable = { mutability: 'immutable' } as const;

/**
 * The core Group schema (`urn:ietf:params:scim:schemas:core:2.0:Group`), RFC 7643 §8.7.1.
 * displayName is required and unique per tenant, compared case-insensitively (our choice; the
 * RFC leaves both open). Members live in their own table; `display` is computed from the member.
 */
export const GROUP_SCHEMA: SchemaDefinition = {
  id: GROUP_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'string', 'A human-readable name for the group; unique within the tenant, compared case-insensitively.', {
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      'The members of the group.',
      [
        attr('value', 'string', 'The id of the member.', immutable),
        attr('$ref', 'reference', 'The URI of the member.', { ...immutable, referenceTypes: ['User', 'Group'] }),
        attr('display', 'string', 'The display name of the member.', { mutability: 'readOnly' }),
        attr('type', 'string', 'The kind of member.', { ...immutable, canonicalValues: ['User', 'Group'] }),
      ],
      { multiValued: true },
    ),
  ],
};
