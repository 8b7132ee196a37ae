/** Schema and message URNs of RFC 7643 / RFC 7644 that the code refers to by name. */

/** RFC 7643 §4.1 core User schema. */
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** RFC 7643 §4.3 enterprise User extension. */
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** RFC 7643 §4.2 core Group schema. */
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** RFC 7643 §7 schema of a served schema resource. */
export const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
/** RFC 7643 §6 schema of a served resource type. */
export const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
/** RFC 7644 §3.5.2 PATCH request message. */
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Extra schema Entra lists on Group bodies; accepted and never echoed. */
export const ENTRA_GROUP_URN = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
