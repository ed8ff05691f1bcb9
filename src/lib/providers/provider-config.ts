import { z } from 'zod';
import { cfsslProviderSchema } from './cfssl-config.js';

/**
 * `rotation.provider`, discriminated by `type` so each provider validates its own fields. A new
 * provider adds its schema here and its class in `providers/index.ts`.
 */
export const providerConfigSchema = z.discriminatedUnion('type', [cfsslProviderSchema]);

export type ProviderConfig = z.output<typeof providerConfigSchema>;
