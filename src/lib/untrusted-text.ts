const MAX_QUOTE_LENGTH = 120;
// Base64 runs this long could be key material; shorter ones are ordinary words and ids.
const BASE64_RUN = /[A-Za-z0-9+/=]{24,}/g;
const PEM_BLOCK_START = /-----BEGIN [^-]{0,64}-----/g;

/**
 * Quotes text from an untrusted source (a CA's error message, a response body) for an error
 * message: PEM headers and long base64 runs are replaced by their length, control characters are
 * dropped, and the result is cut to a fixed length. A CA that echoes a key, or a body that is a
 * key, therefore never reaches a log line or a notification.
 */
export function quoteUntrusted(text: string, maxLength = MAX_QUOTE_LENGTH): string {
  const cleaned = text
    .replace(PEM_BLOCK_START, '[PEM block]')
    .replace(BASE64_RUN, (run) => `[${run.length} base64 characters]`)
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  const cut = cleaned.length > maxLength ? `${cleaned.slice(0, maxLength)}…` : cleaned;

  return JSON.stringify(cut);
}
