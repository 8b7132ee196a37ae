/** Users: everyone provisioned, searchable by name and filterable by status, paged by cursor. */
import type { ConsoleViewer } from '../access.ts';
import { ActiveBadge, Shell } from '../layout.tsx';

export interface UserRow {
  id: string;
  userName: string;
  name: string | null;
  email: string | null;
  externalId: string | null;
  active: boolean;
  role: string;
  groups: string[];
  /** SCIM (a provisioning token created them), JIT (their first sign-in did), or unknown (created before the log). */
  source: 'SCIM' | 'JIT' | '—';
  lastSignIn: string | null;
}

export interface UsersView {
  viewer: ConsoleViewer;
  /** How many users the tenant holds. */
  provisioned: number;
  rows: UserRow[];
  query: { q: string; status: 'all' | 'active' | 'deactivated'; group: string; role: string };
  /** The link to the next page, when there is one. */
  nextHref: string | null;
  problem: string | undefined;
}

export function usersPage(view: UsersView) {
  const { viewer, rows, query } = view;
  const slug = viewer.tenant.slug;
  return (
    <Shell viewer={viewer} section="users" title="Users" flash={{ problems: view.problem ? [view.problem] : undefined, problemsHeading: 'Not shown:' }}>
      <section class="card" aria-labelledby="users-heading">
        <h2 id="users-heading">
          People <span class="hint">({view.provisioned} provisioned)</span>
        </h2>
        <form class="filters" method="get" action={`/admin/${slug}/users`} role="search">
          <div>
            <label for="q">
              Find <span class="hint">a whole user name, external ID or display name</span>
            </label>
            <input type="search" id="q" name="q" value={query.q} placeholder="ana@acme.com" />
          </div>
          <div>
            <label for="status">Status</label>
            <select id="status" name="status">
              {(['all', 'active', 'deactivated'] as const).map((s) => (
                <option value={s} selected={s === query.status}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="role">Role</label>
            <select id="role" name="role">
              <option value="" selected={query.role === ''}>
                any
              </option>
              {viewer.tenant.roles.map((r) => (
                <option value={r} selected={r === query.role}>
                  {r}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="group">
              Group <span class="hint">its display name</span>
            </label>
            <input type="search" id="group" name="group" value={query.group} />
          </div>
          <button type="submit" class="secondary">
            Apply
          </button>
        </form>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">External ID</th>
                <th scope="col">Role</th>
                <th scope="col">Groups</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Last sign-in (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colspan={9}>No one matches.</td>
                </tr>
              ) : (
                rows.map((u) => (
                  <tr data-user-id={u.id}>
                    <td class="mono">
                      <a href={`/admin/${slug}/users/${encodeURIComponent(u.id)}`}>{u.userName}</a>
                    </td>
                    <td>{u.name ?? '—'}</td>
                    <td class="mono">{u.email ?? '—'}</td>
                    <td class="mono">{u.externalId ?? '—'}</td>
                    <td>{u.role}</td>
                    <td>{u.groups.join(', ') || '—'}</td>
                    <td><ActiveBadge active={u.active} /></td>
                    <td>{u.source}</td>
                    <td class="mono">{u.lastSignIn ? u.lastSignIn.replace('T', ' ').slice(0, 16) : 'never'}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <div class="pager">
          <a href={`/admin/${slug}/users?${new URLSearchParams(query)}`}>First page</a>
          {view.nextHref ? <a href={view.nextHref}>Next page</a> : null}
        </div>
      </section>
    </Shell>
  );
}
