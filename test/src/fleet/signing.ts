/**
 * Hub signing keys for test fleets (docs/security.md, "Signed desired state"): an Ed25519 key pair
 * made per fleet, as PEM text, and written where a hub (`--signing-key-file`) and its agents
 * (`--hub-public-key-file`) read them. `testSigningKey()` is the one pair of a test process, in
 * memory: what a MiniHub signs with and what `startAgent` pins unless told otherwise.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { signingKeyFromPem, type HubSigningKey } from '@gitfleet/proto';

export interface TestSigningKey {
  readonly key: HubSigningKey;
  /** PKCS#8 PEM of the private key (the hub's `--signing-key-file`). */
  readonly privatePem: string;
  /** SPKI PEM of the public key (the agents' `--hub-public-key-file`). */
  readonly publicPem: string;
}

export interface SigningKeyFiles {
  /** The private key, mode 0600. */
  readonly keyFile: string;
  readonly publicKeyFile: string;
}

/** A new Ed25519 key pair. */
export function newSigningKey(): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    key: signingKeyFromPem(privatePem, 'test signing key'),
    privatePem,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

let processKey: TestSigningKey | undefined;

/** The key pair of this test process (made on first use). */
export function testSigningKey(): TestSigningKey {
  processKey ??= newSigningKey();
  return processKey;
}

/** Writes `hub-signing.key` and `hub-signing.pub` of `key` (a new pair by default) into `dir`. */
export async function writeSigningKey(
  dir: string,
  key: TestSigningKey = newSigningKey(),
): Promise<SigningKeyFiles & { readonly signing: TestSigningKey }> {
  const keyFile = path.join(dir, 'hub-signing.key');
  const publicKeyFile = path.join(dir, 'hub-signing.pub');
  await writeFile(keyFile, key.privatePem, { mode: 0o600 });
  await writeFile(publicKeyFile, key.publicPem);
  return { keyFile, publicKeyFile, signing: key };
}
