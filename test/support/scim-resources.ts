/** Shared fixtures for the pure SCIM resource and PATCH tests. */
import { ScimError } from '../../src/http/errors.ts';
import { ENTERPRISE_USER_URN, USER_URN } from '../../src/scim/schema/urns.ts';

/** The default role catalog of a new tenant. */
export const TENANT_ROLES = { tenantRoles: ['owner', 'admin', 'editor', 'viewer'] };

/** A user's normalized stored data, with the enterprise extension. */
export const ADA_DATA = {
  schemas: [USER_URN, ENTERPRISE_USER_URN],
  externalId: '00u1',
  userName: 'ada@example.com',
  name: { familyName: 'Lovelace', givenName: 'Ada' },
  active: true,
  emails: [
    { value: 'ada@example.com', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  [ENTERPRISE_USER_URN]: { department: 'Math', manager: { value: 'm-1' } },
};

/** The ScimError `fn` throws; fails the test when it throws nothing or something else. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}
