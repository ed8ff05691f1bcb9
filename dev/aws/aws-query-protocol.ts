import type { SnsApi } from './sns-api.js';
import { AwsServiceError } from './service-error.js';
import { escapeXml } from './xml-escape.js';
import type { WireProtocol, WireReply, WireRequest } from './wire-protocol.js';

const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const CONTENT_TYPE = 'text/xml';

/**
 * SNS's awsQuery protocol: a form-encoded POST body carrying `Action` and `Version`,
 * returning `<ActionResponse><ActionResult>…` XML or an `<ErrorResponse>`.
 */
export class AwsQueryProtocol implements WireProtocol {
  constructor(private readonly api: SnsApi) {}

  operationOf(request: WireRequest): string | undefined {
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      return undefined;
    }

    return parseForm(request.body).get('Action') ?? undefined;
  }

  async handle(action: string, request: WireRequest): Promise<WireReply> {
    try {
      const result = this.api.invoke(action, parseForm(request.body));
      const resultElement = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
      const body =
        `<${action}Response xmlns="${SNS_XML_NAMESPACE}">${resultElement}` +
        `<ResponseMetadata><RequestId>${request.requestId}</RequestId></ResponseMetadata></${action}Response>`;

      return { status: 200, contentType: CONTENT_TYPE, body };
    } catch (error) {
      if (error instanceof AwsServiceError) {
        return encodeError(request.requestId, error.httpStatus, error.faultType, error.code, error.message);
      }
      throw error;
    }
  }

  internalError(request: WireRequest, message: string): WireReply {
    return encodeError(request.requestId, 500, 'Receiver', 'InternalError', message);
  }
}

function parseForm(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

function encodeError(requestId: string, status: number, faultType: string, code: string, message: string): WireReply {
  const body =
    `<ErrorResponse xmlns="${SNS_XML_NAMESPACE}"><Error><Type>${faultType}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;

  return { status, contentType: CONTENT_TYPE, body };
}
