/** RFC 7643 §4.3 / §8.7.1: the enterprise User extension as served under `/Schemas`. */
import { attr, complex } from './build.ts';
import type { SchemaDefinition } from './types.ts';
import { ENTERPRISE_USER_URN } from './urns.ts';

/** The enterprise User extension (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`), RFC 7643 §4.3. */
export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = {
  id: ENTERPRISE_USER_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attr('employeeNumber', 'string', 'Identifier of the user, typically assigned by the organization.'),
    attr('costCenter', 'string', 'Name of a cost center.'),
    attr('organization', 'string', 'Name of an organization.'),
    attr('division', 'string', 'Name of a division.'),
    attr('department', 'string', 'Name of a department.'),
    complex("manager", "The user's manager, another User of the same tenant.", [
      attr('value', 'string', 'The id of the manager.'),
      attr('$ref', 'reference', 'The URI of the manager.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', 'The displayName of the manager.', { mutability: 'readOnly' }),
    ]),
  ],
};
