import { SecretTooLargeError, SecretValueError } from './errors.js';

/** Secrets Manager's maximum size of a secret value, in bytes. */
export const SECRET_VALUE_MAX_BYTES = 65_536;

/** The JSON document a rotated secret holds. Unknown top-level keys are carried over unchanged. */
export interface CredentialDocument {
  certificate?: string;
  privateKey?: string;
  certificateChain?: string;
  rotation: unknown;
  [key: string]: unknown;
}

export interface RawSecretValue {
  SecretString?: string | undefined;
  SecretBinary?: Uint8Array | undefined;
}

const EXAMPLE_VALUE =
  '{"rotation":{"provider":{"type":"cfssl","url":"https://ca.example/api/v1/cfssl/sign"},"subject":{"commonName":"svc.example.com"}}}';

/**
 * Reads a stored secret value. `where` names the version in messages, e.g. "AWSCURRENT version
 * 3f0c...". The value itself is never quoted, because it contains a private key.
 */
export function parseCredentialDocument(value: RawSecretValue, where: string): CredentialDocument {
  const text = readText(value, where);

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the input, which may contain key material; keep only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new SecretValueError(
      `${where} is not valid JSON${position === undefined ? '' : ` (error at character ${position})`}: store a JSON object such as ${EXAMPLE_VALUE}`,
    );
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretValueError(`${where} must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const document = parsed as Record<string, unknown>;

  if (document.rotation === undefined || document.rotation === null) {
    throw new SecretValueError(
      `${where} has no "rotation" block, so the service does not know which CA to ask: add one, for example ${EXAMPLE_VALUE}`,
      { context: { field: 'rotation' } },
    );
  }
  for (const field of ['certificate', 'privateKey', 'certificateChain'] as const) {
    const fieldValue = document[field];
    if (fieldValue !== undefined && fieldValue !== null && typeof fieldValue !== 'string') {
      throw new SecretValueError(`${where}: field ${field} must be a PEM string, got ${typeof fieldValue}`, {
        context: { field },
      });
    }
  }

  return document as CredentialDocument;
}

/** Serialises a document and checks Secrets Manager's size limit before anything is written. */
export function serializeCredentialDocument(document: CredentialDocument): string {
  let text: string;
  try {
    text = JSON.stringify(document);
  } catch (error) {
    // JSON.parse accepts nesting that JSON.stringify cannot write back without exhausting the stack.
    throw new SecretValueError('the secret value cannot be serialised again: a top-level field is nested too deeply; flatten or remove it', {
      cause: error,
    });
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    throw new SecretTooLargeError(
      `secret would be ${bytes.toLocaleString('en-US')} bytes, limit ${SECRET_VALUE_MAX_BYTES.toLocaleString('en-US')}: ` +
        'reduce subjectAltNames or the other top-level fields stored beside the certificate',
    );
  }

  return text;
}

function readText(value: RawSecretValue, where: string): string {
  // A byte-order mark from a file saved by a Windows editor would make JSON.parse fail; TextDecoder drops it from SecretBinary.
  if (typeof value.SecretString === 'string') return value.SecretString.replace(/^\uFEFF/, '');
  if (value.SecretBinary !== undefined) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(value.SecretBinary);
    } catch {
      throw new SecretValueError(`${where} is stored as SecretBinary that is not UTF-8 text: store the JSON document as SecretString`);
    }
  }

  throw new SecretValueError(`${where} has no SecretString or SecretBinary value: store a JSON document such as ${EXAMPLE_VALUE}`);
}
