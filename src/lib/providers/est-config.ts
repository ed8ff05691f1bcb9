import { z } from 'zod';
import { checkUrlField, credentialsSecretId, httpTimeoutMs } from '../config/http-endpoint-config.js';
import { pemCertificates } from '../config/schema-parts.js';

/** Operation path segments of RFC 7030 section 3.2.2, which a label must not repeat. */
export const EST_OPERATIONS = ['cacerts', 'simpleenroll', 'simplereenroll', 'fullcmc', 'serverkeygen', 'csrattrs'] as const;
export type EstOperation = 'cacerts' | 'simpleenroll' | 'simplereenroll';

const WELL_KNOWN_EST_PATH = /\/\.well-known\/est\/?$/;

/** `rotation.provider` for an EST server (RFC 7030): simpleenroll first, simplereenroll with the current certificate afterwards. */
export const estProviderSchema = z
  .strictObject({
    type: z.literal('est'),
    /** Base URL ending in /.well-known/est; operation paths are appended to it. */
    url: z.string().min(1),
    /** RFC 7030 section 3.2.2 CA label, one path segment inserted before the operation. */
    label: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._~-]+$/, 'must be one URL path segment of letters, digits, ".", "_", "~" or "-"')
      .refine((label) => !(EST_OPERATIONS as readonly string[]).includes(label), 'must not be an EST operation name such as "simpleenroll"')
      .optional(),
    /** Trust for the EST server's TLS certificate; the system trust store when unset. */
    caCertificates: pemCertificates.optional(),
    /** Secret `{"username", "password"}` for HTTP Basic authentication of simpleenroll. */
    credentialsSecretId: credentialsSecretId.optional(),
    allowInsecureHttp: z.boolean().optional(),
    timeoutMs: httpTimeoutMs.optional(),
  })
  .superRefine((provider, context) => {
    const url = checkUrlField(provider.url, provider.allowInsecureHttp === true, context);
    if (url === undefined) return;
    if (!WELL_KNOWN_EST_PATH.test(url.pathname)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'must be the EST base URL ending in /.well-known/est (RFC 7030 section 3.2.2)' });
    } else if (url.search !== '' || url.hash !== '') {
      context.addIssue({ code: 'custom', path: ['url'], message: 'must not have a query or fragment, because operation paths are appended to it' });
    }
  });

export type EstProviderConfig = z.output<typeof estProviderSchema>;

/** Returns `<base>[/<label>]/<operation>`. */
export function estOperationUrl(config: Pick<EstProviderConfig, 'url' | 'label'>, operation: EstOperation): string {
  const url = new URL(config.url);
  const base = url.pathname.replace(/\/$/, '');
  url.pathname = `${base}${config.label === undefined ? '' : `/${config.label}`}/${operation}`;

  return url.toString();
}
