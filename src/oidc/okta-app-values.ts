/** The values a tenant's Okta admin pastes into the Okta app, shared by the CLI (`oidc show|set`) and the setup page. */
import { frontChannelLogoutPath } from './frontchannel-logout.ts';
import { CALLBACK_PATH } from './login.ts';
import { LOGGED_OUT_PATH } from './logout.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';

/** The URLs and choices for tenant `slug`'s Okta app at `baseUrl` (README "Set up Okta SSO" walks through where each goes). */
export function oktaAppValues(baseUrl: string, slug: string) {
  return {
    signInRedirectUri: `${baseUrl}${CALLBACK_PATH}`,
    signOutRedirectUri: `${baseUrl}${LOGGED_OUT_PATH}`,
    initiateLoginUri: `${baseUrl}/auth/${slug}/initiate`,
    // Front-Channel Logout 1.0; we require `sid` (frontchannel_logout_session_required), so Okta must include the session ID.
    frontChannelLogoutUri: `${baseUrl}${frontChannelLogoutPath(slug)}`,
    frontChannelLogoutSessionRequired: 'yes (include the session ID: iss and sid)',
    loginInitiatedBy: 'Either Okta or App',
    loginFlow: 'Redirect to app to initiate login (OIDC Compliant)',
    userSignInUrl: `${baseUrl}/auth/${slug}/login`,
    scimBaseUrl: tenantScimBase(baseUrl, slug),
    // Okta offers SCIM only on SAML and SWA apps the customer creates, never on the OIDC app.
    scimProvisioningApp: 'a second Okta app: Create App Integration → Secure Web Authentication, then General → App Settings → Provisioning: SCIM',
  };
}

/** What oktaAppValues returns. */
export type OktaAppValues = ReturnType<typeof oktaAppValues>;
