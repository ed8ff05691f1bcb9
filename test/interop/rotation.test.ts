import { X509Certificate } from 'node:crypto';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient, createSnsClient } from '../../dev/aws/emulator-clients.js';
import { startAwsEmulator, type AwsEmulator } from '../../dev/aws/emulator.js';
import { ROTATION_LAMBDA_ARN } from '../../dev/local-environment.js';
import { createRootCa } from '../../dev/pki/index.js';
import { createDefaultDependencies } from '../../src/lib/dependencies.js';
import { rotate } from '../../src/lib/rotation.js';
import { startCfsslServe, type CfsslServe } from './peers/cfssl-serve.js';
import { startNginxPartner, type NginxPartner } from './peers/nginx-partner.js';
import { assertNoPrivateKeyMaterial, registerPrivateKey } from '../support/key-material.js';

// The same rotation as the integration suite, against independent peers: a real `cfssl serve` as
// the CA and nginx with ssl_verify_client on as the partner.
let cfssl: CfsslServe;
let nginx: NginxPartner;
let strictNginx: NginxPartner;
let aws: AwsEmulator;
let counter = 0;

beforeAll(async () => {
  cfssl = await startCfsslServe();
  nginx = await startNginxPartner({ clientCaPem: cfssl.rootPem });
  strictNginx = await startNginxPartner({ clientCaPem: (await createRootCa({ commonName: 'Another Client Root' })).certificatePem });
  aws = await startAwsEmulator();
  process.env.AWS_ENDPOINT_URL = aws.endpoint;
  process.env.AWS_REGION = aws.region;
  process.env.AWS_ACCESS_KEY_ID = 'local-emulator';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-emulator';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const topic = await createSnsClient(aws).send(new CreateTopicCommand({ Name: 'interop' }));
  const dependencies = createDefaultDependencies({ ...process.env, SNS_TOPIC_ARN: topic.TopicArn });
  aws.setRotationHandler((event, context) => rotate(event, context, dependencies));
});

afterAll(async () => {
  for (const message of aws?.snsMessages ?? []) assertNoPrivateKeyMaterial(message.message, 'SNS message');
  await aws?.close();
  await Promise.all([cfssl?.close(), nginx?.close(), strictNginx?.close()]);
});

function rotationBlock(partner: NginxPartner, key: Record<string, unknown> = { algorithm: 'EC', curve: 'P-256' }) {
  return {
    provider: { type: 'cfssl', url: `${cfssl.url}/api/v1/cfssl/sign`, profile: 'client', allowInsecureHttp: true },
    subject: { commonName: 'interop-client.example.test', organization: 'Example Org' },
    key,
    handshake: { url: partner.url, caCertificates: partner.serverCaPem },
    minValidityDays: 7,
    trustAnchors: cfssl.rootPem,
  };
}

async function rotateNew(rotation: Record<string, unknown>) {
  counter += 1;
  const client = createSecretsManagerClient(aws);
  const created = await client.send(new CreateSecretCommand({ Name: `interop/secret-${counter}`, SecretString: JSON.stringify({ rotation }) }));
  const started = await client.send(new RotateSecretCommand({ SecretId: created.ARN, RotationLambdaARN: ROTATION_LAMBDA_ARN }));
  await aws.waitForRotations();
  const record = aws.rotations.find((rotation) => rotation.token === started.VersionId);
  const described = await client.send(new DescribeSecretCommand({ SecretId: created.ARN }));
  const current = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
  const document = JSON.parse(current.SecretString ?? '{}') as Record<string, string>;
  if (document.privateKey) registerPrivateKey(document.privateKey);

  return { record, stages: described.VersionIdsToStages ?? {}, document, token: started.VersionId ?? '' };
}

describe('rotation against cfssl serve and nginx', () => {
  it.each([
    ['EC P-256', { algorithm: 'EC', curve: 'P-256' }],
    ['RSA 2048', { algorithm: 'RSA', size: 2048 }],
  ])('rotates an %s certificate end to end', async (_name, key) => {
    const result = await rotateNew(rotationBlock(nginx, key));

    expect(result.record?.steps.map((step) => `${step.step}:${step.ok}`), cfssl.log()).toEqual([
      'createSecret:true',
      'setSecret:true',
      'testSecret:true',
      'finishSecret:true',
    ]);
    expect(result.stages[result.token]).toEqual(['AWSCURRENT']);
    expect(new X509Certificate(result.document.certificate ?? '').issuer).toBe(new X509Certificate(result.document.certificateChain ?? '').subject);
  });

  it('stores the intermediate from the info endpoint', async () => {
    const result = await rotateNew(rotationBlock(nginx));

    expect(new X509Certificate(result.document.certificateChain ?? '').fingerprint256).toBe(new X509Certificate(cfssl.intermediatePem ?? '').fingerprint256);
  });

  it('fails testSecret when nginx answers 400', async () => {
    const result = await rotateNew(rotationBlock(strictNginx));

    const failed = result.record?.steps.find((step) => !step.ok);
    expect(failed?.step).toBe('testSecret');
    expect(failed?.error?.message).toContain('returned HTTP 400');
    expect(Object.entries(result.stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0]).not.toBe(result.token);
    expect(result.stages[result.token]).toEqual(['AWSPENDING']);
    expect(result.document.certificate).toBeUndefined();
  });
});
