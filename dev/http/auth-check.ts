import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The authentication a stand-in API requires, mirroring the `auth` options of the rotation's HTTP calls. */
export type StandInAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'header'; headerName: string; value: string }
  /** A client certificate that chains to the server's `clientCaPem`. */
  | { type: 'mtls' };

export type AuthCheck = { ok: true; identity: string } | { ok: false; status: 401 | 403; message: string };

/**
 * Checks a request against `auth`. Messages state what was wrong without repeating what the client
 * sent, and identities name a username or certificate serial, never a secret.
 */
export function checkStandInAuth(request: IncomingMessage, auth: StandInAuth): AuthCheck {
  switch (auth.type) {
    case 'none':
      return { ok: true, identity: 'anonymous' };
    case 'bearer': {
      const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined) return { ok: false, status: 401, message: 'missing bearer token' };

      return equalSecrets(token, auth.token) ? { ok: true, identity: 'bearer token' } : { ok: false, status: 403, message: 'bearer token not accepted' };
    }
    case 'basic': {
      const encoded = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (encoded === undefined) return { ok: false, status: 401, message: 'missing HTTP Basic credentials' };
      const expected = `${auth.username}:${auth.password}`;

      return equalSecrets(Buffer.from(encoded, 'base64').toString('utf8'), expected)
        ? { ok: true, identity: `user ${auth.username}` }
        : { ok: false, status: 401, message: 'invalid username or password' };
    }
    case 'header': {
      const value = request.headers[auth.headerName.toLowerCase()];
      if (typeof value !== 'string') return { ok: false, status: 401, message: `missing header ${auth.headerName}` };

      return equalSecrets(value, auth.value) ? { ok: true, identity: `header ${auth.headerName}` } : { ok: false, status: 403, message: `header ${auth.headerName} not accepted` };
    }
    case 'mtls': {
      const socket = request.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      if (peer?.serialNumber === undefined) return { ok: false, status: 401, message: 'client certificate required' };
      if (!socket.authorized) return { ok: false, status: 403, message: `client certificate not accepted: ${String(socket.authorizationError)}` };

      return { ok: true, identity: `certificate ${peer.serialNumber.toUpperCase()}` };
    }
  }
}

function equalSecrets(presented: string, expected: string): boolean {
  const left = Buffer.from(presented, 'utf8');
  const right = Buffer.from(expected, 'utf8');

  return left.length === right.length && timingSafeEqual(left, right);
}
