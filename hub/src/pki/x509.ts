/**
 * @peculiar/x509 as the hub uses it: its decorators need reflect-metadata loaded first, and it
 * works on Node's WebCrypto. Every module of the hub (and its tests) imports the library from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
