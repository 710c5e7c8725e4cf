/**
 * The hub's decisions on agent registration, renewal and revocation (pure): what a CSR may ask,
 * what an issued certificate holds, whether a registration token or a certificate still counts.
 */
export * from './certificate-profile.ts';
export * from './csr-policy.ts';
export * from './revocation.ts';
export * from './tokens.ts';
