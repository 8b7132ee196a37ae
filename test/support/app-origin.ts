/** The Worker origin the workerd tests use (SELF.fetch), registered at the test providers as the redirect URI's origin. */
export const TEST_APP_ORIGIN = 'https://edge.test';
