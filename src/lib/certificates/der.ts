/**
 * Returns the total encoded length (header plus content) of the DER element that starts at
 * `offset`, or undefined when the bytes there are not a complete definite-length element.
 */
export function derElementLength(der: Uint8Array, offset = 0): number | undefined {
  if (der.length < offset + 2) return undefined;
  const first = der[offset + 1] as number;
  let headerLength = 2;
  let contentLength = first;

  if (first & 0x80) {
    const lengthOctets = first & 0x7f;
    // Indefinite lengths (0x80) are not DER, and more than 4 length octets means gigabytes.
    if (lengthOctets === 0 || lengthOctets > 4) return undefined;
    if (der.length < offset + 2 + lengthOctets) return undefined;
    contentLength = 0;
    for (let index = 0; index < lengthOctets; index += 1) {
      contentLength = contentLength * 256 + (der[offset + 2 + index] as number);
    }
    headerLength += lengthOctets;
  }

  const total = headerLength + contentLength;

  return der.length - offset >= total ? total : undefined;
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 strictly: Node's decoder silently skips invalid characters, which hides corruption. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_PATTERN.test(compact)) return undefined;

  return Buffer.from(compact, 'base64');
}
