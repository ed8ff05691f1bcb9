import type { IncomingHttpHeaders } from 'node:http';
import { HttpRequestError } from '../errors.js';
import { quoteUntrusted } from '../untrusted-text.js';
import { redactSecrets } from './request-auth.js';

const MAX_DETAIL_LENGTH = 200;

/** Returns the lower-case media type of a Content-Type header without parameters, or undefined. */
export function mediaTypeOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['content-type'];

  return value === undefined ? undefined : headerText((value.split(';')[0] ?? '').trim().toLowerCase()) || undefined;
}

/**
 * Summarises an error response for a message: the `message`-like field of a JSON body, the title of
 * an HTML page, or the start of plain text, at most 200 characters. Credential values are replaced
 * first, in case the server echoes a request header; quoteUntrusted then drops PEM blocks and long
 * base64 runs.
 */
export function describeErrorBody(body: Buffer, headers: IncomingHttpHeaders, secretValues: readonly string[]): string {
  const text = redactSecrets(body.toString('utf8'), secretValues).trim();
  if (text === '') return 'empty body';

  const title = htmlTitle(text);
  const detail = quoteUntrusted(title ?? jsonErrorMessage(text) ?? text, MAX_DETAIL_LENGTH);
  const contentType = headers['content-type'];

  return `${title === undefined ? detail : `HTML page titled ${detail}`}${contentType === undefined ? '' : ` (${headerText(contentType)})`}`;
}

/** Quotes the start of a body that could not be used, for "starts with ..." in a message. */
export function bodyStart(body: Buffer, secretValues: readonly string[]): string {
  return quoteUntrusted(redactSecrets(body.toString('utf8'), secretValues).slice(0, 60));
}

/** Returns a response header value fit for a message: printable ASCII only, at most 100 characters. */
export function headerText(value: string | string[] | undefined): string {
  const text = (Array.isArray(value) ? value.join(', ') : (value ?? '')).replace(/[^\x20-\x7e]+/g, '');

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
