import { afterAll, beforeAll, vi } from 'vitest';

/**
 * Stubs the AWS SDK's environment for the current test file: static credentials, a region, and
 * no instance metadata lookups, so no client can reach real AWS or the metadata endpoint.
 */
export function useLocalSdkEnvironment(): void {
  beforeAll(() => {
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });
}
