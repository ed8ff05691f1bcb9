import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  if (LOOPBACK_NAMES.has(hostname)) return true;

  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

/**
 * Returns why `raw` is not an acceptable endpoint URL, or undefined when it is. Plain `http` is
 * accepted only for a loopback host and only when the configuration opts in, because a CA request
 * over cleartext exposes the CSR and the response to anyone on the path.
 */
export function checkEndpointUrl(raw: string, allowInsecureHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${quoteForMessage(raw)} is not a valid URL`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'URL must not contain credentials: keep them out of the rotated secret';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') {
    return `URL scheme ${url.protocol} is not supported: use https`;
  }
  if (!isLoopbackHost(url.hostname)) {
    return `plain http is not allowed for host ${url.hostname}: use https`;
  }
  if (!allowInsecureHttp) {
    return 'plain http to a loopback host requires "allowInsecureHttp": true';
  }

  return undefined;
}

/** Returns why `raw` is not an https URL, or undefined: for endpoints where plain http is never an option. */
export function checkHttpsUrl(raw: string): string | undefined {
  const problem = checkEndpointUrl(raw, true);
  if (problem !== undefined) return problem;

  return new URL(raw).protocol === 'https:' ? undefined : 'must use https, because this endpoint is where the client certificate is tested';
}

/**
 * Quotes a rejected value for an error message. The message reaches logs and SNS, so a value that
 * contains a PEM block or a long run of base64 (a key pasted into the wrong field) is described
 * instead, and any other long value is cut.
 */
function quoteForMessage(raw: string): string {
  if (raw.includes('-----BEGIN')) return 'the value (a PEM block)';
  if (/[A-Za-z0-9+/]{40,}/.test(raw)) return `the value (${raw.length} characters with a run of base64)`;
  const MAX_QUOTED_CHARACTERS = 80;

  return raw.length > MAX_QUOTED_CHARACTERS ? `${JSON.stringify(raw.slice(0, MAX_QUOTED_CHARACTERS))}...` : JSON.stringify(raw);
}
