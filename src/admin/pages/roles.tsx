/** Roles: which groups grant which role at sign-in, the default role, and the role that may configure. */
import type { RoleMapping } from '../../tenants/role-mappings.ts';
import type { ConsoleViewer } from '../access.ts';
import { ConfirmedAction, Shell, type Flash } from '../layout.tsx';

export interface RolesView {
  viewer: ConsoleViewer;
  mappings: RoleMapping[];
  flash: Flash;
}

function RoleSelect(props: { id: string; name: string; roles: string[]; selected: string; disabled: boolean }) {
  return (
    <select id={props.id} name={props.name} disabled={props.disabled}>
      {props.roles.map((r) => (
        <option value={r} selected={r === props.selected}>
          {r}
        </option>
      ))}
    </select>
  );
}

export function rolesPage(view: RolesView) {
  const { viewer, mappings } = view;
  const { tenant } = viewer;
  const slug = tenant.slug;
  const disabled = !viewer.canConfigure;
  return (
    <Shell viewer={viewer} section="roles" title="Roles" flash={view.flash}>
      <section class="card" aria-labelledby="mappings-heading">
        <h2 id="mappings-heading">Groups → roles</h2>
        <p class="hint">A person gets the highest of their SCIM roles and the roles their groups map to; otherwise the default role. Roles, highest first: {tenant.roles.join(', ')}.</p>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Role</th>
                {disabled ? null : <th scope="col"><span class="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {mappings.length === 0 ? (
                <tr>
                  <td colspan={3}>No group grants a role yet.</td>
                </tr>
              ) : (
                mappings.map((m) => (
                  <tr>
                    <td>{m.groupName}</td>
                    <td>{m.role}</td>
                    {disabled ? null : (
                      <td>
                        <ConfirmedAction action={`/admin/${slug}/roles/unmap`} confirm={`Stop granting ${m.role} to ${m.groupName}?`} label={`Remove the mapping of ${m.groupName}`} text="Remove" fields={{ groupName: m.groupName }} />
                      </td>
                    )}
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        {disabled ? null : (
          <form class="filters" method="post" action={`/admin/${slug}/roles/map`}>
            <div>
              <label for="groupName">
                Group <span class="hint">display name or external ID</span>
              </label>
              <input type="text" id="groupName" name="groupName" required maxlength={256} />
            </div>
            <div>
              <label for="role">Role</label>
              <RoleSelect id="role" name="role" roles={tenant.roles} selected={tenant.defaultRole} disabled={false} />
            </div>
            <button type="submit">Map group</button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="settings-heading">
        <h2 id="settings-heading">Role settings</h2>
        <form class="fields" method="post" action={`/admin/${slug}/roles/settings`}>
          <div>
            <label for="defaultRole">
              Default role <span class="hint">for people no SCIM role or group gives one</span>
            </label>
            <RoleSelect id="defaultRole" name="defaultRole" roles={tenant.roles} selected={tenant.defaultRole} disabled={disabled} />
          </div>
          <div>
            <label for="configuringRole">
              Required role to configure <span class="hint">this role or higher may change these settings; lower roles view them</span>
            </label>
            <RoleSelect id="configuringRole" name="configuringRole" roles={tenant.roles} selected={tenant.configuringRole} disabled={disabled} />
          </div>
          {disabled ? null : (
            <div class="actions">
              <button type="submit">Save</button>
            </div>
          )}
        </form>
      </section>
    </Shell>
  );
}
