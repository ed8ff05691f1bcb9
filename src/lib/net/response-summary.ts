import type { IncomingHttpHeaders } from 'node:http';
import { HttpRequestError } from '../errors.js';
import { quoteUntrusted } from '../untrusted-text.js';
import { redactSecrets } from './credential-redaction.js';

const MAX_DETAIL_LENGTH = 200;

/** Returns the lower-case media type of a Content-Type header without parameters, or undefined. */
export function mediaTypeOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-type'];

  return value === undefined ? undefined : headerText((value.split(';')[0] ?? '').trim().toLowerCase()) || undefined;
}

/**
 * Summarises an error response for a message: the `message`-like field of a JSON body, the title of
 * an HTML page, or the start of plain text, at most 200 characters. Credential values are replaced
 * in the body, in case the server echoes a request header, and again in the extracted text and the
 * quoted result, because JSON escapes hide a credential from the first pass and parsing undoes
 * them. quoteUntrusted then drops PEM blocks and long base64 runs.
 */
export function describeErrorBody(body: Buffer, headers: IncomingHttpHeaders, secretValues: readonly string[]): string {
  const text = redactSecrets(body.toString('utf8'), secretValues).trim();
  if (text === '') return 'empty body';

  const title = htmlTitle(text);
  const detail = quoteResponseText(title ?? jsonErrorMessage(text) ?? text, secretValues, MAX_DETAIL_LENGTH);
  const contentType = headers['content-type'];

  return `${title === undefined ? detail : `HTML page titled ${detail}`}${contentType === undefined ? '' : ` (${quoteHeaderValue(contentType, secretValues)})`}`;
}

/** Quotes the start of a body that could not be used, for "starts with ..." in a message. */
export function bodyStart(body: Buffer, secretValues: readonly string[]): string {
  return redactSecrets(quoteUntrusted(redactSecrets(body.toString('utf8'), secretValues).slice(0, 60)), secretValues);
}

/** Quotes text from a response, such as an error reason, with credential values replaced before and after quoting. */
export function quoteResponseText(text: string, secretValues: readonly string[], maxLength?: number): string {
  return redactSecrets(quoteUntrusted(redactSecrets(text, secretValues), maxLength), secretValues);
}

/**
 * Returns a response header value fit for a message: credential values replaced, printable ASCII
 * only, at most 100 characters. Credentials are replaced before characters are dropped, which could
 * otherwise split a value so that it no longer matches, and again after.
 */
export function quoteHeaderValue(value: string | string[] | undefined, secretValues: readonly string[]): string {
  const text = Array.isArray(value) ? value.join(', ') : (value ?? '');

  return redactSecrets(headerText(redactSecrets(text, secretValues)), secretValues);
}

/**
 * Returns the Location header of a redirect for a message, without user information, query string
 * and fragment, which often carry tokens such as a single sign-on ticket.
 */
export function describeLocation(headers: IncomingHttpHeaders, secretValues: readonly string[]): string {
  const location = headers.location;
  if (location === undefined || location.trim() === '') return 'not given';
  const withoutQuery = location.trim().split(/[?#]/, 1)[0] ?? '';
  const withoutUserInfo = withoutQuery.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');

  return quoteHeaderValue(withoutUserInfo, secretValues) || 'not given';
}

/** Returns a header value fit for a message: printable ASCII only, at most 100 characters. */
function headerText(value: string): string {
  const text = value.replace(/[^\x20-\x7e]+/g, '');

  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function jsonErrorMessage(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;

  // Field names of common error formats: RFC 9457 problem details (title, detail), and { error }, { message }, { errors: [...] }.
  const record = parsed as Record<string, unknown>;
  const nestedError = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const firstError = Array.isArray(record.errors) && typeof record.errors[0] === 'object' && record.errors[0] !== null ? (record.errors[0] as Record<string, unknown>) : undefined;
  const candidates = [record.detail, record.message, record.error, nestedError?.message, firstError?.message, record.title];
  const found = candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate.trim() !== '');

  return found ?? text;
}

function htmlTitle(text: string): string | undefined {
  if (!/^<(!doctype html|html|head|body)/i.test(text)) return undefined;

  return /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim() || 'untitled';
}

/** Returns a body for `parseCertificates`: text when every byte is printable ASCII (PEM, base64), binary DER otherwise. */
export function certificateInputOf(body: Buffer): string | Buffer {
  return body.every((byte) => byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f)) ? body.toString('latin1') : body;
}

/**
 * Returns the advice that follows a failed exchange: a retryable failure can pass on a later
 * attempt, a TLS failure already names its fix, and anything else points at the URL field.
 */
export function transportHint(error: unknown, urlField: string): string {
  if (!(error instanceof HttpRequestError) || error.retryable) return '; a later attempt can succeed';
  if (error.kind === 'tls') return '';

  return `; check ${urlField}`;
}
