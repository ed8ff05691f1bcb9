import type { IncomingHttpHeaders } from 'node:http';

export interface WireRequest {
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
}

export interface WireReply {
  status: number;
  contentType: string;
  body: string;
}

/** One AWS wire protocol bound to the service that speaks it. */
export interface WireProtocol {
  /** Returns the operation name, or undefined when the request is not in this protocol. */
  operationOf(request: WireRequest): string | undefined;
  /** Performs the operation and encodes its result or its AwsServiceError. */
  handle(operation: string, request: WireRequest): Promise<WireReply>;
  /** Encodes the service's own internal server error, for injected faults and emulator bugs. */
  internalError(request: WireRequest, message: string): WireReply;
}
