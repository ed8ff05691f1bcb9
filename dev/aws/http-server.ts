import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { FaultInjector, FaultKind } from './fault-injector.js';
import type { WireProtocol, WireReply, WireRequest } from './wire-protocol.js';

const LOOPBACK_HOST = '127.0.0.1';

export interface EmulatorHttpServer {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts one HTTP server on an ephemeral loopback port for all protocols. Each
 * request goes to the first protocol that recognises it (X-Amz-Target for
 * awsJson, a form body for awsQuery), with armed faults applied around it.
 */
export async function startHttpServer(protocols: WireProtocol[], faults: FaultInjector): Promise<EmulatorHttpServer> {
  const server = createServer((request, response) => {
    handleRequest(request, response, protocols, faults).catch((error: unknown) => {
      // Only a failure to read the request or write the reply gets here.
      console.error('AWS emulator failed to serve a request:', error);
      response.destroy();
    });
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${LOOPBACK_HOST}:${port}`,
    close: () => closeServer(server),
  };
}

async function handleRequest(request: IncomingMessage, response: ServerResponse, protocols: WireProtocol[], faults: FaultInjector): Promise<void> {
  const wireRequest: WireRequest = { headers: request.headers, body: await readBody(request), requestId: randomUUID() };

  for (const protocol of protocols) {
    const operation = protocol.operationOf(wireRequest);
    if (operation === undefined) {
      continue;
    }

    const faultBefore = faults.take(operation, 'before');
    if (faultBefore !== undefined) {
      sendFault(faultBefore, protocol, wireRequest, operation, response);
      return;
    }

    const reply = await performOperation(protocol, operation, wireRequest);
    const faultAfter = faults.take(operation, 'after');
    if (faultAfter !== undefined) {
      sendFault(faultAfter, protocol, wireRequest, operation, response);
      return;
    }

    sendReply(response, wireRequest.requestId, reply);
    return;
  }

  sendReply(response, wireRequest.requestId, {
    status: 400,
    contentType: 'text/plain',
    body: 'The AWS emulator serves Secrets Manager (awsJson1_1 with X-Amz-Target) and SNS (awsQuery form body) only.',
  });
}

async function performOperation(protocol: WireProtocol, operation: string, request: WireRequest): Promise<WireReply> {
  try {
    return await protocol.handle(operation, request);
  } catch (error) {
    // An exception other than AwsServiceError is an emulator bug, so it goes to stderr
    // and to the client as the service's internal error.
    console.error(`AWS emulator failed in ${operation}:`, error);

    return protocol.internalError(request, `The emulator failed in ${operation}: ${String(error)}`);
  }
}

function sendFault(kind: FaultKind, protocol: WireProtocol, request: WireRequest, operation: string, response: ServerResponse): void {
  if (kind === 'reset') {
    response.socket?.destroy();
    return;
  }

  sendReply(response, request.requestId, protocol.internalError(request, `Injected fault in ${operation}.`));
}

function sendReply(response: ServerResponse, requestId: string, reply: WireReply): void {
  response.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    'x-amzn-requestid': requestId,
  });
  response.end(reply.body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }

  return Buffer.concat(chunks);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // The SDK keeps connections alive, and server.close() alone waits for them to end.
    server.closeAllConnections();
  });
}
