import { z } from 'zod';
import { acmPcaProviderSchema } from './acm-pca-config.js';
import { cfsslProviderSchema } from './cfssl-config.js';
import { estProviderSchema } from './est-config.js';
import { httpProviderSchema } from './http-config.js';
import { vaultProviderSchema } from './vault-config.js';

/**
 * `rotation.provider`, discriminated by `type` so each provider validates its own fields. A new
 * provider adds its schema here and its class in `providers/index.ts`.
 */
export const providerConfigSchema = z.discriminatedUnion('type', [cfsslProviderSchema, estProviderSchema, httpProviderSchema, acmPcaProviderSchema, vaultProviderSchema]);

export type ProviderConfig = z.output<typeof providerConfigSchema>;

/**
 * Provider types whose class implements `revoke`; `rotation.revokePrevious: "afterRotation"` is
 * accepted only for these. A unit test checks the set against the classes.
 */
export const REVOKING_PROVIDER_TYPES: ReadonlySet<ProviderConfig['type']> = new Set<ProviderConfig['type']>(['acm-pca', 'vault']);
