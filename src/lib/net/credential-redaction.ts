/** The text that takes the place of a credential. */
const REDACTED = '[redacted]';

// Characters that common percent-encoders leave as they are: the RFC 3986 section 2.3 unreserved
// characters alone, those plus !'()* as JavaScript's encodeURIComponent keeps them, and those plus
// "/" as Python's urllib.parse.quote keeps them by default.
const PERCENT_ENCODING_KEPT = [/[A-Za-z0-9\-._~]/, /[A-Za-z0-9\-._~!'()*]/, /[A-Za-z0-9\-._~/]/];

/**
 * Replaces every credential value in `text`, for server responses quoted in messages, which might
 * echo a request header. Each value is also found in the spellings a server produces when it
 * echoes it. These are JSON string escapes, with "\/" as PHP writes it and "\u00e4" as Python
 * writes it, percent-encoding, and UTF-8 bytes read as Latin-1, as Node reads response headers.
 *
 * Every non-empty value is redacted, however short. A credential of one or two characters is still
 * the credential, and redacting it only costs readability of the quoted server text, which is a
 * smaller harm than publishing it in a notification. Text that is already redacted stays as it
 * is, so calling this again on quoted text does not redact inside an earlier `[redacted]`.
 */
export function redactSecrets(text: string, secretValues: readonly string[]): string {
  const spellings = [...new Set(secretValues.filter((value) => value !== '').flatMap(spellingsOf))].sort((left, right) => right.length - left.length);
  if (spellings.length === 0) return text;

  // One alternation replaced in one pass, so a replacement is never matched by a shorter value.
  const pattern = new RegExp(spellings.map(escapeRegExp).join('|'), 'g');

  return text
    .split(REDACTED)
    .map((part) => part.replace(pattern, REDACTED))
    .join(REDACTED);
}

/** Returns the spellings of `value` that a server may echo, the value itself first. */
function spellingsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const jsonForms = [json, asciiJson(json, 'lower'), asciiJson(json, 'upper')];
  const percentForms = PERCENT_ENCODING_KEPT.flatMap((unescaped) => {
    const upper = percentEncode(value, unescaped);
    const lower = upper.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());

    // HTML form encoding (application/x-www-form-urlencoded) writes a space as "+".
    return [upper, lower, upper.replaceAll('%20', '+'), lower.replaceAll('%20', '+')];
  });

  return [value, Buffer.from(value, 'utf8').toString('latin1'), ...jsonForms, ...jsonForms.map((form) => form.replaceAll('/', '\\/')), ...percentForms];
}

/** Writes every non-ASCII character of JSON string content as a \uXXXX escape. */
function asciiJson(json: string, hexCase: 'lower' | 'upper'): string {
  return json.replace(/[\u007f-\uffff]/g, (character) => {
    const hex = character.charCodeAt(0).toString(16).padStart(4, '0');

    return `\\u${hexCase === 'lower' ? hex : hex.toUpperCase()}`;
  });
}

/** Percent-encodes the UTF-8 bytes of `value`, keeping the characters that `unescaped` matches. */
function percentEncode(value: string, unescaped: RegExp): string {
  return [...value]
    .map((character) => (unescaped.test(character) ? character : [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')))
    .join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
