/**
 * Request body templates with `{{name}}` placeholders. Each placeholder has a raw form and, where
 * it goes inside a JSON string, a `...Json` form that is JSON string-escaped without the quotes.
 * Values are substituted as given: the template author picks the form that fits the body.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;

export const MAX_BODY_TEMPLATE_LENGTH = 16_384;

export interface TemplateRules {
  /** Every placeholder the template may use. */
  known: readonly string[];
  /** The template must use at least one of these. */
  requireOneOf: readonly string[];
  /** Names what the required placeholders carry, e.g. "the CSR". */
  requiredContent: string;
  /** Request Content-Type; a JSON type makes the check render the template and parse the result. */
  contentType: string;
  /** A realistic value for every known placeholder, used for that JSON check. */
  samples: Readonly<Record<string, string>>;
}

/** Returns every problem of `template` under `rules`, as sentences for a configuration error. */
export function checkBodyTemplate(template: string, rules: TemplateRules): string[] {
  const problems: string[] = [];
  const used = placeholdersOf(template);

  const unknown = [...new Set(used.filter((name) => !rules.known.includes(name)))];
  if (unknown.length > 0) {
    problems.push(
      `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `{{${name}}}`).join(', ')}; known placeholders: ${rules.known.map((name) => `{{${name}}}`).join(', ')}`,
    );
  }
  if (!used.some((name) => rules.requireOneOf.includes(name))) {
    problems.push(`must contain ${rules.requiredContent} as one of ${rules.requireOneOf.map((name) => `{{${name}}}`).join(', ')}`);
  }

  if (problems.length === 0 && isJsonContentType(rules.contentType)) {
    try {
      JSON.parse(renderBodyTemplate(template, rules.samples));
    } catch {
      problems.push(
        `is not valid JSON once its placeholders are filled in, although the content type is ${rules.contentType}; inside a JSON string use the ...Json placeholders, which escape line breaks and quotes`,
      );
    }
  }

  return problems;
}

/** Substitutes every placeholder; a placeholder without a value is left as written. */
export function renderBodyTemplate(template: string, values: Readonly<Record<string, string>>): string {
  // A replacement function, because a replacement string would interpret "$&" and the like in the values.
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? (values[name] as string) : whole));
}

/** Returns the JSON string-escaped form of `value` without the surrounding quotes. */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export function isJsonContentType(contentType: string): boolean {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';

  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}
