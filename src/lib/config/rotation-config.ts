import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { providerConfigSchema, REVOKING_PROVIDER_TYPES } from '../providers/provider-config.js';
import { registrationConfigSchema } from '../registration/registration-config.js';
import { pemCertificates } from './schema-parts.js';
import { checkHttpsUrl } from './url-policy.js';

const subjectConfig = z.strictObject({
  commonName: z.string().min(1).max(64),
  organization: z.string().min(1).max(64).optional(),
  organizationalUnit: z.string().min(1).max(64).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code in capitals, such as "DE"')
    .optional(),
  state: z.string().min(1).max(128).optional(),
  locality: z.string().min(1).max(128).optional(),
});

const dnsName = z
  .string()
  .regex(
    /^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
    'must be a DNS name such as "svc.example.com"',
  )
  .max(253);
const ipAddress = z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' });
// IA5String fields (RFC 5280 4.2.1.6) hold ASCII only, so anything else would be silently changed.
const printableAscii = /^[\x21-\x7e]+$/;
const uri = z
  .string()
  .max(1024)
  .regex(printableAscii, 'must be printable ASCII without spaces: percent-encode other characters')
  .refine(isAbsoluteUri, 'must be an absolute URI such as "spiffe://example.org/svc"');

const subjectAltNamesConfig = z.strictObject({
  dns: z.array(dnsName).max(100).optional(),
  uri: z.array(uri).max(100).optional(),
  ip: z.array(ipAddress).max(100).optional(),
  email: z.array(z.email().regex(printableAscii, 'must be an ASCII email address')).max(100).optional(),
});

const keyConfig = z.discriminatedUnion('algorithm', [
  z.strictObject({
    algorithm: z.literal('EC'),
    curve: z.enum(['P-256', 'P-384'], { message: 'must be "P-256" or "P-384"' }),
  }),
  z.strictObject({
    algorithm: z.literal('RSA'),
    size: z.union([z.literal(2048), z.literal(3072), z.literal(4096)], { message: 'must be 2048, 3072 or 4096' }),
  }),
]);

const handshakeConfig = z
  .strictObject({
    url: z.string().min(1),
    caCertificates: pemCertificates.optional(),
    serverName: z.string().min(1).max(253).optional(),
    expectStatus: z.number().int().min(100).max(599).optional(),
    timeoutMs: z.number().int().min(1_000).max(60_000).optional(),
  })
  .superRefine((handshake, context) => {
    const problem = checkHttpsUrl(handshake.url);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: ['url'], message: problem });
  });

const rotationConfigSchema = z.strictObject({
  provider: providerConfigSchema,
  subject: subjectConfig,
  subjectAltNames: subjectAltNamesConfig.optional(),
  key: keyConfig.default({ algorithm: 'EC', curve: 'P-256' }),
  handshake: handshakeConfig.optional(),
  minValidityDays: z.number().positive().max(3650).default(1),
  trustAnchors: pemCertificates.optional(),
  requireExtendedKeyUsage: z.boolean().default(false),
  identityCheck: z.enum(['strict', 'off'], { message: 'must be "strict" or "off"' }).default('strict'),
  registration: registrationConfigSchema.optional(),
  /** Whether finishSecret revokes the certificate that the rotation moved to AWSPREVIOUS. */
  revokePrevious: z.enum(['never', 'afterRotation'], { message: 'must be "never" or "afterRotation"' }).default('never'),
}).superRefine((rotation, context) => {
  if (rotation.revokePrevious === 'afterRotation' && !REVOKING_PROVIDER_TYPES.has(rotation.provider.type)) {
    context.addIssue({
      code: 'custom',
      path: ['revokePrevious'],
      message: `provider '${rotation.provider.type}' cannot revoke certificates, so "afterRotation" is not available: use "never", or a provider that revokes (${[...REVOKING_PROVIDER_TYPES].join(', ')})`,
    });
  }
});

export type RotationConfig = z.output<typeof rotationConfigSchema>;
export type { ProviderConfig } from '../providers/provider-config.js';
export type KeySpec = RotationConfig['key'];
export type SubjectConfig = RotationConfig['subject'];
export type SubjectAltNamesConfig = NonNullable<RotationConfig['subjectAltNames']>;
export type HandshakeConfig = NonNullable<RotationConfig['handshake']>;
export type { RegistrationConfig } from '../registration/registration-config.js';

/** Validates a secret's `rotation` block and applies defaults; every bad field is reported by path. */
export function parseRotationConfig(raw: unknown): RotationConfig {
  const result = rotationConfigSchema.safeParse(raw);
  if (result.success) return result.data;

  const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
  throw new ConfigurationError(
    `invalid rotation configuration in the secret: ${issues.join('; ')}. Fix these fields in the secret's AWSCURRENT value (put-secret-value stores the whole JSON document, so keep the certificate fields), remove AWSPENDING from this rotation's version, then rotate again`,
    issues,
    { context: { field: issues.length === 1 ? formatPath(result.error.issues[0]?.path ?? []) : 'rotation' } },
  );
}

/** Formats a schema path the way the secret's JSON reads, e.g. `rotation.subjectAltNames.ip[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : `${text}.${String(segment)}`),
    'rotation',
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
  }

  // Schema fields with their own message keep it; only the validation library's defaults are reworded.
  if (!/^(Invalid input|Too small|Too big|Invalid discriminator)/.test(issue.message)) return issue.message;
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  if (issue.code === 'invalid_type') {
    const received = /received (\w+)$/.exec(issue.message)?.[1];

    return received === 'undefined' ? `is required (${issue.expected})` : `must be ${article(issue.expected)} ${issue.expected}, got ${received ?? 'another type'}`;
  }
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return `must be one of ${issue.options.map((option) => JSON.stringify(option)).join(', ')}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const lower = issue.code === 'too_small';
    const bound = lower ? issue.minimum : issue.maximum;
    let comparison = lower ? 'at least' : 'at most';
    if (issue.inclusive === false) comparison = lower ? 'more than' : 'less than';
    const units: Record<string, string> = { string: ' characters long', array: ' entries' };

    return `must be ${comparison} ${String(bound)}${units[issue.origin] ?? ''}`;
  }

  return issue.message;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function isAbsoluteUri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}
