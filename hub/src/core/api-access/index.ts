/**
 * Who may call the hub's HTTP API: scopes, the API tokens file, OIDC settings and claims, and
 * the access decision.
 */
export * from './access.ts';
export * from './oidc.ts';
export * from './oidc-browser.ts';
export * from './oidc-settings.ts';
export * from './scopes.ts';
export * from './tokens.ts';
