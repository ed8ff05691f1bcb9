// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs and hashes through the provider registered here. Pinning Node's own WebCrypto
// keeps certificate fabrication independent of whatever a test environment puts on globalThis.crypto.
x509.cryptoProvider.set(webcrypto);

export { x509 };
