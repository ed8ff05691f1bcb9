import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findExecutable } from './find-executable.js';
import { spawnPeer, startOnFreePort, waitUntilReady, type PeerProcess } from './peer-process.js';
import { runCommand } from './run-command.js';

/** Path where Debian's nginx package installs the binary. A non-root PATH often lacks /usr/sbin. */
const DEBIAN_NGINX_PATH = '/usr/sbin/nginx';
/** Limit for the wait until nginx listens. A whole start, openssl key generation included, took 0.5 to 0.75 s on a 2-core machine. */
const READY_TIMEOUT_MS = 15_000;
/** The partner lives for one test run, so its certificates need not outlast a day or two. */
const SERVER_CERTIFICATE_DAYS = 2;

export interface NginxPartnerOptions {
  /** PEM CA certificates that nginx trusts to issue client certificates (ssl_client_certificate). */
  clientCaPem: string;
}

/** A running nginx that returns 200 "ok" for GET /health only to clients with a valid certificate. */
export interface NginxPartner {
  /** https://127.0.0.1:<port>/health */
  url: string;
  /** CA certificate that issued nginx's server certificate (subjectAltName IP 127.0.0.1), to pass as `ca` to TLS clients. */
  serverCaPem: string;
  /** Returns nginx's recent error log (level info), which names the reason for each rejected client certificate. */
  log(): string;
  /** Stops nginx and deletes its keys. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts nginx as an mTLS partner on 127.0.0.1, configured in a new
 * temporary directory. nginx requires a client certificate that chains to
 * `clientCaPem` within three levels and returns 400 otherwise. The client
 * sends any intermediate certificates after its own.
 */
export async function startNginxPartner(options: NginxPartnerOptions): Promise<NginxPartner> {
  if (!options.clientCaPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TypeError(
      'Invalid clientCaPem: it contains no PEM certificate. Pass the CA that issues the client certificates, e.g. startCfsslServe().rootPem',
    );
  }

  const nginx = await findExecutable('nginx', {
    candidates: [DEBIAN_NGINX_PATH],
    installHint: 'install the Debian package nginx (apt-get install -y nginx)',
  });
  const openssl = await findExecutable('openssl', {
    installHint: 'install the Debian package openssl (apt-get install -y openssl)',
  });
  const directory = await mkdtemp(join(tmpdir(), 'nginx-partner-'));

  try {
    const serverCaPem = await createServerCertificate(openssl, directory);
    await writeFile(join(directory, 'client-ca.pem'), options.clientCaPem);
    const { port, peer } = await startOnFreePort((port) => startServer(nginx, directory, port));
    let closing: Promise<void> | undefined;

    return {
      url: `https://127.0.0.1:${port}/health`,
      serverCaPem,
      log: () => peer.output(),
      close: () => (closing ??= stopAndRemove(peer, directory)),
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Creates a server CA and a server certificate for 127.0.0.1 with openssl, and returns the CA's PEM. */
async function createServerCertificate(openssl: string, directory: string): Promise<string> {
  const days = String(SERVER_CERTIFICATE_DAYS);
  await runCommand(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server-ca-key.pem',
      '-out',
      'server-ca.pem',
      '-days',
      days,
      '-subj',
      '/O=mtls-cert-rotator interop tests/CN=mtls-cert-rotator interop nginx server CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { cwd: directory },
  );
  await runCommand(
    openssl,
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
    { cwd: directory },
  );
  await writeFile(
    join(directory, 'server-extensions.cnf'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  // RFC 5280 section 4.1.2.2: a positive serialNumber of at most 20 octets.
  const serialNumber = randomBytes(16);
  serialNumber[0] = (serialNumber[0] ?? 0) & 0x7f;
  await runCommand(
    openssl,
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'server-ca.pem',
      '-CAkey',
      'server-ca-key.pem',
      '-set_serial',
      `0x${serialNumber.toString('hex')}`,
      '-days',
      days,
      '-extfile',
      'server-extensions.cnf',
      '-out',
      'server.pem',
    ],
    { cwd: directory },
  );
  // nginx needs only the server key. The CA key would let a reader issue more server certificates.
  await rm(join(directory, 'server-ca-key.pem'));

  return readFile(join(directory, 'server-ca.pem'), 'utf8');
}

async function startServer(nginx: string, directory: string, port: number): Promise<{ port: number; peer: PeerProcess }> {
  const configPath = join(directory, 'nginx.conf');
  await writeFile(configPath, renderConfig(directory, port));

  // -e stderr sends the log written before the configuration is read to the
  // captured stderr too, instead of Debian's /var/log/nginx/error.log.
  const peer = spawnPeer('nginx', nginx, ['-p', `${directory}/`, '-c', configPath, '-e', 'stderr'], directory);
  await waitUntilReady(peer, () => acceptsConnections(port), READY_TIMEOUT_MS);

  return { port, peer };
}

/**
 * Renders the nginx configuration. A single foreground process
 * (`master_process off`) keeps nginx at one PID that stop() can end, and
 * avoids a worker running as an unprivileged user that could not read the
 * keys in the 0700 temporary directory. Every path points into that
 * directory, so nothing is written under /var.
 */
function renderConfig(directory: string, port: number): string {
  const path = (name: string): string => join(directory, name);

  return `daemon off;
master_process off;
pid ${path('nginx.pid')};
error_log stderr info;

events {
  worker_connections 64;
}

http {
  access_log ${path('access.log')};
  client_body_temp_path ${path('client-body-temp')};
  proxy_temp_path ${path('proxy-temp')};
  fastcgi_temp_path ${path('fastcgi-temp')};
  uwsgi_temp_path ${path('uwsgi-temp')};
  scgi_temp_path ${path('scgi-temp')};

  server {
    listen 127.0.0.1:${port} ssl;
    server_name 127.0.0.1;

    ssl_certificate ${path('server.pem')};
    ssl_certificate_key ${path('server-key.pem')};
    ssl_protocols TLSv1.2 TLSv1.3;

    ssl_client_certificate ${path('client-ca.pem')};
    ssl_verify_client on;
    ssl_verify_depth 3;

    location = /health {
      default_type text/plain;
      return 200 'ok';
    }
  }
}
`;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function stopAndRemove(peer: PeerProcess, directory: string): Promise<void> {
  await peer.stop();
  await rm(directory, { recursive: true, force: true });
}
