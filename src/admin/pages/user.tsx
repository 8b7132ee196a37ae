/** One user: their attributes, groups, effective role and why, and their recent activity. */
import type { AuditEntry } from '../../audit/audit-reader.ts';
import type { UserAccess } from '../../tenants/access.ts';
import type { ConsoleViewer } from '../access.ts';
import { ActiveBadge, Shell } from '../layout.tsx';
import { ActivityTable, type ActorNames } from './activity.tsx';

export interface UserView {
  viewer: ConsoleViewer;
  access: UserAccess;
  /** The SCIM resource as GET returns it. */
  resource: Record<string, unknown>;
  recent: AuditEntry[];
  names: ActorNames;
  /** The groups whose mapping grants the user's role, when a mapping is why. */
  grantingGroups: string[];
}

/** Why the user has their role, in the order the rule applies. */
function roleReason(access: UserAccess, grantingGroups: string[]): string {
  const { role, scimRoles, mappedRoles } = access;
  if (scimRoles.includes(role)) return `their SCIM roles (${scimRoles.join(', ')})`;
  if (mappedRoles.includes(role)) return grantingGroups.length ? `the mapping of ${grantingGroups.join(', ')} to ${role}` : `a group mapped to ${role} (Roles page)`;
  return 'the default role: no SCIM role or mapped group gives one';
}

export function userPage(view: UserView) {
  const { viewer, access, resource } = view;
  const slug = viewer.tenant.slug;
  return (
    <Shell viewer={viewer} section="users" title={access.user.userName}>
      <section class="card" aria-labelledby="standing-heading">
        <h2 id="standing-heading">
          Standing <ActiveBadge active={access.user.active} />
        </h2>
        <dl class="values">
          <dt>Role</dt>
          <dd>
            {access.role}: from {roleReason(access, view.grantingGroups)}
          </dd>
          <dt>Groups</dt>
          <dd>{access.scimGroups.join(', ') || '—'}</dd>
          <dt>External ID</dt>
          <dd class="mono">{access.user.externalId ?? '—'}</dd>
          <dt>ID</dt>
          <dd class="mono">{access.user.id}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="attributes-heading">
        <h2 id="attributes-heading">SCIM attributes</h2>
        <pre class="mono">{JSON.stringify(resource, null, 2)}</pre>
      </section>
      <section class="card" aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent activity</h2>
        <ActivityTable entries={view.recent} names={view.names} />
        <p>
          <a href={`/admin/${slug}/activity?user=${encodeURIComponent(access.user.id)}`}>All of it in Activity</a>
        </p>
      </section>
    </Shell>
  );
}
