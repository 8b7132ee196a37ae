/** Request bodies as Okta sends them (docs/interop.md); plain data, usable in workerd and Node. */

/** Okta's "Push New User" body (docs/interop.md). */
export function oktaNewUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given = 'Test', family = 'User'] = userName.split('@')[0]!.split('.');
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${crypto.randomUUID().replace(/-/g, '').slice(0, 17)}`,
    groups: [],
    password: 'Sup3r-Secret!',
    active: true,
    ...extra,
  };
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Okta's deactivation (and, with `true`, reactivation): a pathless replace of `active`. */
export function oktaSetActive(active: boolean) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active } }] };
}

/** Okta's "Push Groups" membership add: `add members [{value, display}]`. */
export function oktaAddMembers(members: { value: string; display: string }[]) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members }] };
}

/** Okta's "Push Groups" membership remove: `remove members[value eq "id"]`. */
export function oktaRemoveMember(userId: string) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] };
}

/** Okta's "Push Groups" rename: a pathless replace of the group's id and new displayName. */
export function oktaRenameGroup(id: string, displayName: string) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id, displayName } }] };
}

/** Okta's "Push Groups" group creation: a displayName and no members yet. */
export function oktaNewGroup(displayName: string) {
  return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: [] };
}
