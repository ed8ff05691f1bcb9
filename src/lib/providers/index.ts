import type { ProviderConfig } from '../config/rotation-config.js';
import { CfsslProvider } from './cfssl.js';
import type { CertificateProvider } from './provider.js';

export type { CertificateProvider, CurrentCredentials, IssueRequest, IssueResult, ProviderContext, RevokeRequest } from './provider.js';

/** Creates the provider selected by `rotation.provider.type`. */
export function createProvider(config: ProviderConfig): CertificateProvider {
  switch (config.type) {
    case 'cfssl':
      return new CfsslProvider(config);
  }
}
