import type { ProviderConfig } from '../config/rotation-config.js';
import { AcmPcaProvider } from './acm-pca.js';
import { CfsslProvider } from './cfssl.js';
import { EstProvider } from './est.js';
import { HttpProvider } from './http.js';
import type { CertificateProvider } from './provider.js';
import { VaultProvider } from './vault.js';

export type { CertificateProvider, CurrentCredentials, IssueRequest, IssueResult, ProviderContext, RevokeRequest } from './provider.js';

/** Creates the provider selected by `rotation.provider.type`. */
export function createProvider(config: ProviderConfig): CertificateProvider {
  switch (config.type) {
    case 'cfssl':
      return new CfsslProvider(config);
    case 'est':
      return new EstProvider(config);
    case 'http':
      return new HttpProvider(config);
    case 'acm-pca':
      return new AcmPcaProvider(config);
    case 'vault':
      return new VaultProvider(config);
  }
}
