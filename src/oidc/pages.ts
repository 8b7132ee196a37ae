/** The small HTML pages of sign-in that are not errors: the email prompt, "signed out", and the front-channel logout answer. */
import { html } from 'hono/html';

const STYLE = 'font-family:system-ui;max-width:36rem;margin:4rem auto';

/** Asks for a work email, then comes back to `/auth/login?email=` (home-realm discovery). */
export function emailPromptPage(returnTo: string) {
  return html`<!doctype html><meta charset="utf-8"><title>Sign in</title>
<body style="${STYLE}"><h1>Sign in</h1>
<form method="get" action="/auth/login"><label>Work email <input type="email" name="email" autocomplete="email" required autofocus></label>
<input type="hidden" name="return_to" value="${returnTo}"><button type="submit">Continue</button></form></body>`;
}

/** Where the provider sends the browser after RP-initiated logout. */
export function signedOutPage() {
  return html`<!doctype html><meta charset="utf-8"><title>Signed out</title>
<body style="${STYLE}"><h1>You are signed out</h1><p><a href="/auth/login">Sign in again</a></p></body>`;
}

/** The provider's hidden iframe gets next to nothing (Front-Channel Logout 1.0 §2); the reference matches the log line. */
export function frontChannelLogoutPage(reference: string) {
  return html`<!doctype html><meta charset="utf-8"><title>Signed out</title><p>Reference: <code>${reference}</code></p>`;
}
