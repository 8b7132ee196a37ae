/** RFC 7643 §4.1 / §8.7.1: the core User schema as served under `/Schemas`. */
import { attr, complex, multiValued } from './build.ts';
import type { SchemaDefinition } from './types.ts';
import { USER_URN } from './urns.ts';

const nameParts = complex('name', "The components of the user's real name.", [
  attr('formatted', 'string', 'The full name, formatted for display.'),
  attr('familyName', 'string', 'Family name (last name in most Western languages).'),
  attr('givenName', 'string', 'Given name (first name in most Western languages).'),
  attr('middleName', 'string', 'Middle name(s).'),
  attr('honorificPrefix', 'string', 'Honorific prefix or title, such as "Ms.".'),
  attr('honorificSuffix', 'string', 'Honorific suffix, such as "III".'),
]);

const addresses = complex(
  'addresses',
  'Physical mailing addresses.',
  [
    attr('formatted', 'string', 'The full address, formatted for display or a mailing label.'),
    attr('streetAddress', 'string', 'Street address, possibly several lines.'),
    attr('locality', 'string', 'City or locality.'),
    attr('region', 'string', 'State or region.'),
    attr('postalCode', 'string', 'Zip or postal code.'),
    attr('country', 'string', 'Country as an ISO 3166-1 alpha-2 code.'),
    attr('type', 'string', "A label for the address's function.", { canonicalValues: ['work', 'home', 'other'] }),
    attr('primary', 'boolean', 'Marks the preferred address; at most one address is primary.'),
  ],
  { multiValued: true },
);

const readOnlyGroup = { mutability: 'readOnly' } as const;
const groups = complex(
  'groups',
  'The groups the user belongs to, directly or indirectly; managed through the Group resource.',
  [
    attr('value', 'string', 'The id of the group.', readOnlyGroup),
    attr('$ref', 'reference', 'The URI of the group.', { ...readOnlyGroup, referenceTypes: ['User', 'Group'] }),
    attr('display', 'string', 'The displayName of the group.', readOnlyGroup),
    attr('type', 'string', 'How the membership was derived.', { ...readOnlyGroup, canonicalValues: ['direct', 'indirect'] }),
  ],
  { multiValued: true, mutability: 'readOnly' },
);

/** The core User schema (`urn:ietf:params:scim:schemas:core:2.0:User`), RFC 7643 §8.7.1. */
export const USER_SCHEMA: SchemaDefinition = {
  id: USER_URN,
  name: 'User',
  description: 'User account',
  attributes: [
    attr('userName', 'string', 'Unique identifier the user signs in with; non-empty and unique within the tenant, compared case-insensitively.', {
      required: true,
      uniqueness: 'server',
    }),
    nameParts,
    attr('displayName', 'string', 'The name of the user, suitable for display.'),
    attr('nickName', 'string', 'The casual way to address the user.'),
    attr('profileUrl', 'reference', "A URI of the user's online profile.", { referenceTypes: ['external'] }),
    attr('title', 'string', "The user's title, such as \"Vice President\"."),
    attr('userType', 'string', "The relationship between the organization and the user, such as 'Employee' or 'Contractor'."),
    attr('preferredLanguage', 'string', "The user's preferred written or spoken language (RFC 7231 Accept-Language format)."),
    attr('locale', 'string', "The user's default location for localizing items such as currency and dates."),
    attr('timezone', 'string', "The user's time zone in IANA tz database format, such as 'America/Los_Angeles'."),
    attr('active', 'boolean', "The user's administrative status."),
    attr('password', 'string', "The user's cleartext password; accepted and never stored or returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses of the user.', { typeValues: ['work', 'home', 'other'] }),
    multiValued('phoneNumbers', 'Phone numbers of the user.', { typeValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }),
    multiValued('ims', 'Instant messaging addresses of the user.', { typeValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] }),
    multiValued('photos', 'URLs of photos of the user.', { valueType: 'reference', valueReferenceTypes: ['external'], typeValues: ['photo', 'thumbnail'] }),
    addresses,
    groups,
    multiValued('entitlements', 'Entitlements of the user.'),
    multiValued('roles', "The user's roles; values must come from the tenant's role catalog."),
    multiValued('x509Certificates', 'X.509 certificates issued to the user (DER, base64).', { valueType: 'binary' }),
  ],
};
