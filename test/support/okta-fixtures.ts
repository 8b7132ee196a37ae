/** The Okta-like provider's clients and people, shared by the provider (Node) and the tests (workerd). */

/** A person in the fake Okta org. */
export interface OktaAccount {
  sub: string;
  login: string;
  email: string;
  givenName: string;
  familyName: string;
  groups: string[];
}

/** The clients every instance registers. */
export const OKTA_CLIENTS = {
  basic: { clientId: 'web-basic', clientSecret: 'basic-secret-with-_-.~chars', tokenAuthMethod: 'client_secret_basic' },
  post: { clientId: 'web-post', clientSecret: 'post-secret', tokenAuthMethod: 'client_secret_post' },
  public: { clientId: 'spa-public', clientSecret: undefined, tokenAuthMethod: 'none' },
} as const;

/** The accounts every instance knows. */
export const OKTA_ACCOUNTS: OktaAccount[] = [
  { sub: '00u1alice0000000001', login: 'alice@acme.test', email: 'alice@acme.test', givenName: 'Alice', familyName: 'Anders', groups: ['Everyone', 'Acme Admins'] },
  { sub: '00u1bob000000000002', login: 'bob@acme.test', email: 'bob@acme.test', givenName: 'Bob', familyName: 'Berg', groups: ['Everyone', 'Engineering'] },
  { sub: '00u1carol00000000003', login: 'carol@acme.test', email: 'carol@acme.test', givenName: 'Carol', familyName: 'Chen', groups: ['Everyone'] },
];
