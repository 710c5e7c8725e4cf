/** Who may call the hub's HTTP API: scopes, the API tokens file, and the access decision. */
export * from './access.ts';
export * from './scopes.ts';
export * from './tokens.ts';
