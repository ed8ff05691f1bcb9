/**
 * Dot paths into a JSON response, such as `data.certificate`, `items[0].pem` or `items.0.pem`. A
 * segment of digits or a `[n]` suffix indexes an array; keys may contain letters, digits, `_`,
 * `-` and `$`.
 */

export type JsonPathSegment = string | number;

const SEGMENT = /^([A-Za-z0-9_$-]+)((?:\[\d+\])*)$/;

/** Splits a dot path into keys and indexes, or returns undefined when it is not one. */
export function parseJsonPath(path: string): JsonPathSegment[] | undefined {
  if (path.length === 0 || path.length > 256) return undefined;
  const segments: JsonPathSegment[] = [];

  for (const part of path.split('.')) {
    const match = SEGMENT.exec(part);
    if (match === null) return undefined;
    const [, name = '', indexes = ''] = match;
    segments.push(/^\d+$/.test(name) ? Number(name) : name);
    for (const index of indexes.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }

  return segments;
}

export type JsonPathLookup = { found: true; value: unknown } | { found: false; missingAt: string };

/**
 * Follows `segments` through `document`. When a step fails, `missingAt` names the deepest path
 * that exists, so an error can report where the response diverges from the configuration.
 */
export function readJsonPath(document: unknown, segments: readonly JsonPathSegment[]): JsonPathLookup {
  let current = document;
  let walked = '';

  for (const segment of segments) {
    const next = step(current, segment);
    if (next === undefined) return { found: false, missingAt: walked === '' ? '(top level)' : walked };
    current = next.value;
    if (typeof segment === 'number') walked = `${walked}[${segment}]`;
    else walked = walked === '' ? segment : `${walked}.${segment}`;
  }

  return { found: true, value: current };
}

function step(value: unknown, segment: JsonPathSegment): { value: unknown } | undefined {
  if (Array.isArray(value)) {
    const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : undefined;

    return index !== undefined && index < value.length ? { value: value[index] } : undefined;
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, String(segment))) {
    return { value: (value as Record<string, unknown>)[String(segment)] };
  }

  return undefined;
}
