import { describe, expect, it } from 'vitest';
import { AcmPcaProvider } from '../../../src/lib/providers/acm-pca.js';
import { CfsslProvider } from '../../../src/lib/providers/cfssl.js';
import { EstProvider } from '../../../src/lib/providers/est.js';
import { HttpProvider } from '../../../src/lib/providers/http.js';
import { REVOKING_PROVIDER_TYPES, type ProviderConfig } from '../../../src/lib/providers/provider-config.js';
import { VaultProvider } from '../../../src/lib/providers/vault.js';

// Keyed by every provider type, so a new type fails to compile here until it is listed.
const PROVIDER_CLASSES: Record<ProviderConfig['type'], { prototype: object }> = {
  cfssl: CfsslProvider,
  est: EstProvider,
  http: HttpProvider,
  'acm-pca': AcmPcaProvider,
  vault: VaultProvider,
};

describe('REVOKING_PROVIDER_TYPES', () => {
  it.each(Object.entries(PROVIDER_CLASSES))('matches whether %s implements revoke', (type, providerClass) => {
    const implementsRevoke = typeof (providerClass.prototype as { revoke?: unknown }).revoke === 'function';

    expect(REVOKING_PROVIDER_TYPES.has(type as ProviderConfig['type'])).toBe(implementsRevoke);
  });
});
