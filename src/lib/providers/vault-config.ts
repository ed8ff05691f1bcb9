import { z } from 'zod';
import { checkUrlField, credentialsSecretId, httpTimeoutMs } from '../config/http-endpoint-config.js';
import { pemCertificates } from '../config/schema-parts.js';

// A mount path such as "pki" or "pki/issuing-2025": segments without leading or trailing slashes.
const MOUNT_PATH = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
// Vault's role name pattern (framework.GenericNameRegex): word characters, with - . @ inside.
const ROLE_NAME = /^\w(?:[\w.@-]*\w)?$/;
// Vault durations: whole seconds, or Go-style units up to days, such as "720h", "30d" or "1h30m".
const DURATION = /^(?:\d+|(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?)$/;
const NAMESPACE = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\/?$/;

/** `rotation.provider` for the PKI secrets engine of HashiCorp Vault or OpenBao. */
export const vaultProviderSchema = z
  .strictObject({
    type: z.literal('vault'),
    /** Vault's address, such as "https://vault.example.com:8200", without the /v1 API prefix. */
    url: z.string().min(1),
    mount: z.string().regex(MOUNT_PATH, 'must be the PKI mount path without slashes at either end, such as "pki"'),
    role: z.string().max(128).regex(ROLE_NAME, 'must be a Vault role name such as "mtls-client"'),
    ttl: z
      .string()
      .regex(DURATION, 'must be a Vault duration such as "720h" or "30d"')
      .refine((value) => value !== '', 'must not be empty')
      .optional(),
    namespace: z.string().max(256).regex(NAMESPACE, 'must be a namespace path such as "team-a" or "org/team-a"').optional(),
    credentialsSecretId: credentialsSecretId,
    caCertificates: pemCertificates.optional(),
    allowInsecureHttp: z.boolean().optional(),
    timeoutMs: httpTimeoutMs.optional(),
  })
  .superRefine((provider, context) => {
    const url = checkUrlField(provider.url, provider.allowInsecureHttp === true, context);
    if (url === undefined) return;
    if (/\/v1\/?$/.test(url.pathname)) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'must be the Vault address without the /v1 API prefix, such as "https://vault.example.com:8200"' });
    } else if (url.search !== '' || url.hash !== '') {
      context.addIssue({ code: 'custom', path: ['url'], message: 'must not contain a query or fragment' });
    }
  });

export type VaultProviderConfig = z.output<typeof vaultProviderSchema>;
