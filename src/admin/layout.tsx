/** The console's frame: the tenant's name, who is signed in (and whether read-only), the sections, the page. */
import type { Child } from 'hono/jsx';
import type { ConsoleViewer } from './access.ts';

export const SECTIONS = [
  ['authentication', 'Authentication'],
  ['provisioning', 'Provisioning'],
  ['users', 'Users'],
  ['groups', 'Groups'],
  ['roles', 'Roles'],
  ['domains', 'Domains'],
  ['webhooks', 'Webhooks'],
  ['activity', 'Activity'],
] as const;
export type Section = (typeof SECTIONS)[number][0];

/** The path of a console section for tenant `slug`. */
export const consolePath = (slug: string, section: Section) => `/admin/${slug}/${section}`;

export interface Flash {
  notice?: string | undefined;
  problems?: string[] | undefined;
  /** What the problems box says first (a refused change: nothing was saved). */
  problemsHeading?: string;
}

export function Shell(props: { viewer: ConsoleViewer; section: Section; title: string; flash?: Flash; children: Child }) {
  const { viewer, section, title, flash } = props;
  const slug = viewer.tenant.slug;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${viewer.tenant.name}`}</title>
        <link rel="stylesheet" href="/admin/assets/console.css" />
        <script src="/admin/assets/console.js" defer></script>
      </head>
      <body>
        <header class="top">
          <span class="tenant">{viewer.tenant.name}</span>
          <span class="who">
            <span>
              {viewer.name} · <span class="badge">{viewer.role}</span>
            </span>
            <form method="post" action="/auth/logout">
              <button type="submit" class="secondary">Sign out</button>
            </form>
          </span>
        </header>
        <div class="layout">
          <nav class="sections" aria-label="Settings">
            <ul>
              {SECTIONS.map(([id, label]) => (
                <li>
                  <a href={consolePath(slug, id)} aria-current={id === section ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <main>
            <h1>{title}</h1>
            {viewer.canConfigure ? null : (
              <p class="readonly" role="note">
                You can view these settings. Changing them needs the {viewer.tenant.configuringRole} role or higher.
              </p>
            )}
            {flash?.notice ? (
              <p class="notice" role="status">
                {flash.notice}
              </p>
            ) : null}
            {flash?.problems?.length ? (
              <div class="problems" role="alert">
                <strong>{flash.problemsHeading ?? 'Nothing was saved:'}</strong>
                <ul>
                  {flash.problems.map((p) => (
                    <li>{p}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            {props.children}
          </main>
        </div>
      </body>
    </html>
  );
}

/** A value with a copy button (the button appears only when the script runs). */
export function Copyable(props: { value: string; label: string }) {
  return (
    <>
      <code>{props.value}</code>
      <button type="button" class="secondary" data-copy={props.value} aria-label={`Copy ${props.label}`} hidden>
        Copy
      </button>
    </>
  );
}

/** A destructive change behind one button: a plain POST, confirmed first when the script runs. */
export function ConfirmedAction(props: { action: string; confirm: string; label: string; text: string; fields?: Record<string, string> }) {
  return (
    <form method="post" action={props.action} data-confirm={props.confirm}>
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class="danger" aria-label={props.label}>
        {props.text}
      </button>
    </form>
  );
}

/** A secret in the one answer that shows it: a heading, what to do with it, the value with a copy button. */
export function ShownOnce(props: { heading: string; advice: string; value: string; label: string }) {
  return (
    <section class="card" aria-labelledby="shown-once-heading">
      <h2 id="shown-once-heading">{props.heading}</h2>
      <p>{props.advice}</p>
      <p class="secret">
        <Copyable value={props.value} label={props.label} />
      </p>
    </section>
  );
}

/** Whether a person is active, as every page shows it. */
export function ActiveBadge(props: { active: boolean }) {
  return props.active ? <span class="badge ok">active</span> : <span class="badge off">deactivated</span>;
}
