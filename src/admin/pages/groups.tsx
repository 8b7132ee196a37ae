/** Groups: each with its member count and the role it grants; a group's members, paged. */
import type { ConsoleViewer } from '../access.ts';
import { ActiveBadge, Shell } from '../layout.tsx';

export interface GroupRow {
  id: string;
  displayName: string;
  externalId: string | null;
  members: number;
  /** The role a mapping grants its members, if any. */
  role: string | null;
}

export interface GroupsView {
  viewer: ConsoleViewer;
  /** How many groups the tenant holds. */
  provisioned: number;
  rows: GroupRow[];
  nextHref: string | null;
}

export function groupsPage(view: GroupsView) {
  const slug = view.viewer.tenant.slug;
  return (
    <Shell viewer={view.viewer} section="groups" title="Groups">
      <section class="card" aria-labelledby="groups-heading">
        <h2 id="groups-heading">
          Groups <span class="hint">({view.provisioned} provisioned)</span>
        </h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">External ID</th>
                <th scope="col">Members</th>
                <th scope="col">Grants role</th>
              </tr>
            </thead>
            <tbody>
              {view.rows.length === 0 ? (
                <tr>
                  <td colspan={4}>No groups yet: Okta pushes them with Push Groups, Entra with group assignments.</td>
                </tr>
              ) : (
                view.rows.map((g) => (
                  <tr>
                    <td>
                      <a href={`/admin/${slug}/groups/${encodeURIComponent(g.id)}`}>{g.displayName}</a>
                    </td>
                    <td class="mono">{g.externalId ?? '—'}</td>
                    <td>{g.members}</td>
                    <td>{g.role ?? '—'}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <div class="pager">
          <a href={`/admin/${slug}/groups`}>First page</a>
          {view.nextHref ? <a href={view.nextHref}>Next page</a> : null}
        </div>
      </section>
    </Shell>
  );
}

export interface GroupView {
  viewer: ConsoleViewer;
  group: GroupRow;
  members: { id: string; userName: string; active: boolean }[];
  nextHref: string | null;
}

export function groupPage(view: GroupView) {
  const slug = view.viewer.tenant.slug;
  return (
    <Shell viewer={view.viewer} section="groups" title={view.group.displayName}>
      <section class="card" aria-labelledby="members-heading">
        <h2 id="members-heading">
          Members <span class="hint">({view.group.members}; grants {view.group.role ?? 'no role'})</span>
        </h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {view.members.length === 0 ? (
                <tr>
                  <td colspan={2}>No members.</td>
                </tr>
              ) : (
                view.members.map((m) => (
                  <tr>
                    <td class="mono">
                      <a href={`/admin/${slug}/users/${encodeURIComponent(m.id)}`}>{m.userName}</a>
                    </td>
                    <td><ActiveBadge active={m.active} /></td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <div class="pager">
          <a href={`/admin/${slug}/groups/${encodeURIComponent(view.group.id)}`}>First page</a>
          {view.nextHref ? <a href={view.nextHref}>Next page</a> : null}
        </div>
      </section>
    </Shell>
  );
}
