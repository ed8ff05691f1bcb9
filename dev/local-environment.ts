import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { createDefaultDependencies, type DependencyOptions } from '../src/lib/dependencies.js';
import { rotate } from '../src/lib/rotation.js';
import type { RotationDependencies } from '../src/lib/steps/step-context.js';
import { startAwsEmulator, type AwsEmulator, type RotationRecord } from './aws/emulator.js';
import { createSecretsManagerClient, createSnsClient } from './aws/emulator-clients.js';
import { startCfsslServer, type CfsslServer } from './ca/cfssl-server.js';
import { startPartnerServer, type PartnerServer, type TlsVersion } from './partner/partner-server.js';
import { createTestPki, type TestPki } from './pki/index.js';

export const ROTATION_LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:mtls-cert-rotator-dev-rotate';

export interface LocalEnvironmentOptions {
  /** TLS versions the partner accepts; both by default. */
  partnerMinVersion?: TlsVersion;
  partnerMaxVersion?: TlsVersion;
  /** Time each rotation step may take, as a Lambda timeout. Default 30 s. */
  stepTimeoutMs?: number;
  /** Options of the rotation function's dependencies, such as its retry policy. */
  dependencyOptions?: DependencyOptions;
}

/**
 * Everything a rotation needs, on 127.0.0.1 and in this process: Secrets Manager and SNS
 * (emulated, reached through the real SDK clients), a CA speaking CFSSL's API and a partner that
 * requires client certificates. It points the AWS SDK's standard variables at the emulator, so the
 * production dependencies run unchanged.
 */
export interface LocalEnvironment {
  pki: TestPki;
  cfssl: CfsslServer;
  partner: PartnerServer;
  aws: AwsEmulator;
  topicArn: string;
  secretsManager: SecretsManagerClient;
  sns: SNSClient;
  dependencies: RotationDependencies;
  /** A valid `rotation` block for this environment, with `overrides` merged at the top level. */
  rotationBlock(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Creates a secret whose AWSCURRENT holds only a rotation block, and returns its ARN. */
  createBootstrapSecret(name: string, overrides?: Record<string, unknown>): Promise<string>;
  /** Calls RotateSecret and waits for every step Secrets Manager would invoke. */
  rotateSecret(secretId: string, options?: { rotateImmediately?: boolean; token?: string }): Promise<RotationRecord>;
  versionStages(secretId: string): Promise<Record<string, string[]>>;
  readDocument(secretId: string, selector: { stage?: string; versionId?: string }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startLocalEnvironment(options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  const pki = await createTestPki();
  const cfssl = await startCfsslServer({ signer: pki.intermediate });
  const partner = await startPartnerServer({
    certificatePem: pki.server.certificateChainPem,
    privateKeyPem: pki.server.privateKeyPem,
    clientCaPem: pki.root.certificatePem,
    ...(options.partnerMinVersion ? { minVersion: options.partnerMinVersion } : {}),
    ...(options.partnerMaxVersion ? { maxVersion: options.partnerMaxVersion } : {}),
  });
  const aws = await startAwsEmulator({ rotationTimeoutMs: options.stepTimeoutMs ?? 30_000 });

  pointSdkAtEmulator(aws);
  const secretsManager = createSecretsManagerClient(aws);
  const sns = createSnsClient(aws);
  const topic = await sns.send(new CreateTopicCommand({ Name: 'mtls-certificate-rotation' }));
  const topicArn = topic.TopicArn ?? '';
  const dependencies = createDefaultDependencies({ ...process.env, SNS_TOPIC_ARN: topicArn }, options.dependencyOptions);
  aws.setRotationHandler((event, context) => rotate(event, context, dependencies));

  const rotationBlock = (overrides: Record<string, unknown> = {}) => ({
    provider: { type: 'cfssl', url: cfssl.signUrl, profile: 'client', allowInsecureHttp: true },
    subject: { commonName: 'payments-client.example.test', organization: 'Example Org' },
    subjectAltNames: { dns: ['payments-client.example.test'] },
    key: { algorithm: 'EC', curve: 'P-256' },
    handshake: { url: partner.url, caCertificates: pki.serverRoot.certificatePem },
    minValidityDays: 7,
    trustAnchors: pki.root.certificatePem,
    ...overrides,
  });

  return {
    pki,
    cfssl,
    partner,
    aws,
    topicArn,
    secretsManager,
    sns,
    dependencies,
    rotationBlock,
    async createBootstrapSecret(name, overrides) {
      const created = await secretsManager.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ rotation: rotationBlock(overrides) }) }),
      );

      return created.ARN ?? name;
    },
    async rotateSecret(secretId, rotateOptions = {}) {
      const started = await secretsManager.send(
        new RotateSecretCommand({
          SecretId: secretId,
          RotationLambdaARN: ROTATION_LAMBDA_ARN,
          RotationRules: { ScheduleExpression: 'rate(30 days)' },
          RotateImmediately: rotateOptions.rotateImmediately ?? true,
          ...(rotateOptions.token ? { ClientRequestToken: rotateOptions.token } : {}),
        }),
      );
      await aws.waitForRotations();
      const record = aws.rotations.findLast((rotation) => rotation.token === started.VersionId);
      if (record === undefined) throw new Error(`no rotation was recorded for version ${started.VersionId}`);

      return record;
    },
    async versionStages(secretId) {
      const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));

      return described.VersionIdsToStages ?? {};
    },
    async readDocument(secretId, selector) {
      const value = await secretsManager.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: selector.stage, VersionId: selector.versionId }),
      );

      return JSON.parse(value.SecretString ?? '{}') as Record<string, unknown>;
    },
    async close() {
      await aws.close();
      await Promise.all([cfssl.close(), partner.close()]);
    },
  };
}

/** Sets the SDK's standard variables so every client created later in this process uses the emulator. */
function pointSdkAtEmulator(aws: AwsEmulator): void {
  process.env.AWS_ENDPOINT_URL = aws.endpoint;
  process.env.AWS_REGION = aws.region;
  process.env.AWS_ACCESS_KEY_ID = 'local-emulator';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-emulator';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}
