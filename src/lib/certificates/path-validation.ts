import { Duplex } from 'node:stream';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { CertificateValidationError } from '../errors.js';

const PATH_CHECK_TIMEOUT_MS = 5_000;

// OpenSSL X509_V_ERR names (as Node reports them in authorizationError) and what they mean here.
const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'a certificate in the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not yet valid',
  UNABLE_TO_GET_ISSUER_CERT: 'an issuer in the chain is missing',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the chain does not lead to a certificate in rotation.trustAnchors',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the leaf is not signed by a certificate in the chain or rotation.trustAnchors',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends at a self-signed root that is not in rotation.trustAnchors',
  PATH_LENGTH_EXCEEDED: "the chain is longer than a CA's pathLenConstraint allows",
  UNHANDLED_CRITICAL_EXTENSION: 'a certificate carries a critical extension that OpenSSL does not understand',
  INVALID_PURPOSE: 'a certificate in the chain is not valid for TLS client authentication',
  INVALID_CA: 'a certificate used as an issuer is not a CA certificate',
  KEYUSAGE_NO_CERTSIGN: 'an issuing certificate lacks keyCertSign in keyUsage',
  CA_MD_TOO_WEAK: 'a certificate is signed with a digest OpenSSL rejects as too weak (such as SHA-1 or MD5)',
  CA_KEY_TOO_SMALL: 'a CA key is too small for OpenSSL',
  EE_KEY_TOO_SMALL: "the leaf's key is too small for OpenSSL",
  CERT_SIGNATURE_FAILURE: 'a signature in the chain does not verify',
};

export interface PathValidationInput {
  /** Leaf followed by its intermediates, PEM. */
  chainPem: string;
  privateKeyPem: string;
  trustAnchorsPem: string;
  /** Names the certificate in messages. */
  source: string;
}

/**
 * Verifies the chain the way an OpenSSL-based partner does: a TLS server in this process, trusting
 * only `trustAnchorsPem`, requests the client certificate over an in-memory stream and reports
 * OpenSSL's verdict. This covers what the structural checks do not, such as pathLenConstraint,
 * keyUsage of issuers, unknown critical extensions and weak signature digests. No network is used.
 */
export async function verifyClientPath(input: PathValidationInput): Promise<void> {
  const [serverSide, clientSide] = createDuplexPair();
  let server: Server | undefined;
  let client: TLSSocket | undefined;
  try {
    // The server presents the leaf itself: the client below does not verify the server, only the
    // server's verdict on the client certificate matters. tls.Server accepts any duplex stream
    // through its 'connection' event, so nothing listens on a port. Creating either side can
    // already fail, when OpenSSL refuses a key or digest at this security level.
    const tlsServer = createServer({
      requestCert: true,
      rejectUnauthorized: false,
      cert: input.chainPem,
      key: input.privateKeyPem,
      ca: input.trustAnchorsPem,
      // Level 2 is Debian's and many distributions' default: it rejects SHA-1 signatures and RSA keys
      // under 2048 bits, as such a partner would.
      ciphers: 'DEFAULT:@SECLEVEL=2',
    });
    server = tlsServer;
    const tlsClient = connect({ socket: clientSide, cert: input.chainPem, key: input.privateKeyPem, rejectUnauthorized: false });
    client = tlsClient;
    const verdict = await new Promise<{ authorized: boolean; code: string | undefined }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TLS verdict within ${PATH_CHECK_TIMEOUT_MS} ms`)), PATH_CHECK_TIMEOUT_MS);
      tlsServer.once('secureConnection', (socket: TLSSocket) => {
        clearTimeout(timer);
        const code = socket.authorizationError as unknown as string | Error | null;
        resolve({ authorized: socket.authorized, code: code === null ? undefined : String(typeof code === 'string' ? code : ((code as { code?: string }).code ?? code)) });
        socket.destroy();
      });
      tlsServer.once('tlsClientError', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      tlsClient.once('error', () => undefined);
      tlsServer.emit('connection', serverSide);
    });
    if (verdict.authorized) return;

    const code = verdict.code ?? 'UNKNOWN';
    throw new CertificateValidationError(
      'trust-anchor',
      `${input.source}: OpenSSL rejects the chain as a TLS client certificate (${code}): ${VERIFY_ERRORS[code] ?? 'see the OpenSSL verify error'}; a partner using OpenSSL would reject it too`,
    );
  } catch (error) {
    if (error instanceof CertificateValidationError) throw error;
    // OpenSSL reports a key or digest it refuses to load ("ca key too small", "ca md too weak") here.
    throw new CertificateValidationError('trust-anchor', `${input.source}: OpenSSL rejected the chain while loading it: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    client?.destroy();
    serverSide.destroy();
    server?.close();
  }
}

/** Two connected in-memory streams: what one side writes, the other reads. */
function createDuplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const create = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
    });
  sides.push(create(() => sides[1] as Duplex), create(() => sides[0] as Duplex));

  return [sides[0] as Duplex, sides[1] as Duplex];
}
