import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);

const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OSLS_BIN = join(REPOSITORY_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
/**
 * Directory holding the output of an earlier `osls package` (e.g. .serverless).
 * When set, the tests check that output instead of packaging again, and skip
 * the cases that need other parameters.
 */
const PACKAGE_DIRECTORY_ENV = 'SERVERLESS_PACKAGE_DIR';
/** `osls package` took 3 to 6 s on a 2-core machine; the rest is headroom for a busy CI run. */
const PACKAGE_TIMEOUT_MS = 90_000;

const FUNCTION_ID = 'RotateLambdaFunction';
const ROLE_ID = 'IamRoleLambdaExecution';
const TOPIC_ID = 'CertificateRotationTopic';
const KMS_POLICY_ID = 'RotateSecretsKmsPolicy';
const KMS_CONDITION_ID = 'HasSecretsKmsKey';
const SECRET_ARN_PATTERN = {
  'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:mtls/*',
};
const CREDENTIALS_ARN_PATTERN = {
  'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:mtls-credentials/*',
};
const EXAMPLE_CREDENTIALS_ARN_PATTERN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ca-credentials/*';
const SECRETS_MANAGER_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];
const EXAMPLE_KMS_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

interface CfnResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}

interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

interface PolicyDocument {
  Statement: PolicyStatement[];
}

interface PackageOutput {
  directory: string;
  template: CfnTemplate;
}

const temporaryDirectories: string[] = [];

async function createTemporaryDirectory(prefix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  temporaryDirectories.push(directory);

  return directory;
}

/**
 * Environment without AWS credentials or configuration, so packaging fails
 * if it ever needs AWS, and with the opt-outs that Serverless Framework v3
 * reads (osls 4 has no telemetry or notifications, so they change nothing there).
 */
function offlineEnvironment(emptyDirectory: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) {
      environment[name] = value;
    }
  }

  return {
    ...environment,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(emptyDirectory, 'missing-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(emptyDirectory, 'missing-credentials'),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

async function readTemplate(directory: string): Promise<CfnTemplate> {
  const text = await readFile(join(directory, 'cloudformation-template-update-stack.json'), 'utf8');

  return JSON.parse(text) as CfnTemplate;
}

/** Runs `osls package` into a new directory, offline, and returns the directory and its template. */
async function packageService(extraArguments: string[] = []): Promise<PackageOutput> {
  const directory = await createTemporaryDirectory('osls-package-');
  try {
    await execFileAsync(process.execPath, [OSLS_BIN, 'package', '--package', directory, ...extraArguments], {
      cwd: REPOSITORY_ROOT,
      env: offlineEnvironment(directory),
      timeout: PACKAGE_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`osls package failed without AWS credentials:\n${stdout}\n${stderr}`, { cause: error });
  }

  return { directory, template: await readTemplate(directory) };
}

function resource(template: CfnTemplate, logicalId: string): CfnResource {
  const found = template.Resources[logicalId];
  if (found === undefined) {
    throw new Error(`Resource ${logicalId} not found in the template, which has ${Object.keys(template.Resources).join(', ')}`);
  }

  return found;
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Returns every statement granted to the function's role: its inline policies and any AWS::IAM::Policy attached to it. */
function roleStatements(template: CfnTemplate): PolicyStatement[] {
  const role = resource(template, ROLE_ID);
  const inlinePolicies = (role.Properties?.Policies ?? []) as { PolicyDocument: PolicyDocument }[];
  const attachedPolicies = Object.values(template.Resources)
    .filter((candidate) => candidate.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties?.Roles ?? []).includes(`{"Ref":"${ROLE_ID}"}`))
    .map((policy) => policy.Properties?.PolicyDocument as PolicyDocument);

  return [...inlinePolicies.map((policy) => policy.PolicyDocument), ...attachedPolicies].flatMap(
    (document) => document.Statement,
  );
}

function statementsWithActionPrefix(statements: PolicyStatement[], prefix: string): PolicyStatement[] {
  return statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith(prefix)));
}

const reusedDirectory = process.env[PACKAGE_DIRECTORY_ENV];
let output: PackageOutput;

beforeAll(async () => {
  output =
    reusedDirectory === undefined
      ? await packageService()
      : { directory: reusedDirectory, template: await readTemplate(reusedDirectory) };
}, PACKAGE_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(temporaryDirectories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('rotate function', () => {
  it('runs nodejs22.x on arm64', () => {
    // Prepare
    const properties = resource(output.template, FUNCTION_ID).Properties ?? {};

    // Assess
    expect(properties.Runtime, 'Runtime').toBe('nodejs22.x');
    expect(properties.Architectures, 'Architectures').toEqual(['arm64']);
    expect(properties.Handler, 'Handler').toBe('src/handlers/rotate.handler');
    expect(properties.MemorySize, 'MemorySize').toBe(512);
    expect(properties.Timeout, 'Timeout').toBe(60);
  });

  it('environment references the topic', () => {
    // Prepare
    const environment = resource(output.template, FUNCTION_ID).Properties?.Environment as {
      Variables: Record<string, unknown>;
    };

    // Assess
    expect(environment.Variables.SNS_TOPIC_ARN, 'SNS_TOPIC_ARN').toEqual({ Ref: TOPIC_ID });
    expect(environment.Variables.POWERTOOLS_SERVICE_NAME, 'POWERTOOLS_SERVICE_NAME').toBe('mtls-cert-rotator');
    expect(environment.Variables.LOG_LEVEL, 'LOG_LEVEL').toBe('INFO');
  });

  it('zip contains importable ES module handler', async () => {
    // Prepare
    const extracted = await createTemporaryDirectory('osls-zip-');
    const zipPath = join(output.directory, 'rotate.zip');
    const { stdout: listing } = await execFileAsync('unzip', ['-Z1', zipPath]).catch((error: unknown) => {
      throw new Error(`Cannot list ${zipPath}: is unzip installed (apt-get install -y unzip)?`, { cause: error });
    });
    await execFileAsync('unzip', ['-q', zipPath, '-d', extracted]);
    const handlerUrl = pathToFileURL(join(extracted, 'src', 'handlers', 'rotate.mjs')).href;

    // Act: --input-type=module gives the script no CommonJS `require`, as in
    // Lambda, so a bundled require() without the banner shim fails here too.
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(handlerUrl)}); console.log(typeof m.handler);`],
      {
        cwd: extracted,
        env: {
          ...offlineEnvironment(extracted),
          AWS_REGION: 'us-east-1',
          SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:example',
          POWERTOOLS_SERVICE_NAME: 'mtls-cert-rotator',
          LOG_LEVEL: 'INFO',
        },
      },
    );

    // Assess
    expect(listing.split('\n'), 'zip entries').toContain('src/handlers/rotate.mjs');
    expect(stdout.trim(), 'typeof handler exported by the bundle').toBe('function');
  });
});

describe('certificate rotation topic', () => {
  it('is encrypted with alias/aws/sns', () => {
    // Prepare
    const topic = resource(output.template, TOPIC_ID);

    // Assess
    expect(topic.Type).toBe('AWS::SNS::Topic');
    expect(topic.Properties?.KmsMasterKeyId, 'KmsMasterKeyId').toBe('alias/aws/sns');
  });
});

describe('Secrets Manager invoke permission', () => {
  it('allows only the stack account', () => {
    // Prepare
    const permissions = Object.entries(output.template.Resources).filter(
      ([, candidate]) =>
        candidate.Type === 'AWS::Lambda::Permission' &&
        candidate.Properties?.Principal === 'secretsmanager.amazonaws.com',
    );

    // Assess
    expect(permissions.length, 'Lambda::Permission resources for secretsmanager.amazonaws.com').toBe(1);
    const [, permission] = permissions[0] ?? [];
    expect(permission?.Properties?.Action, 'Action').toBe('lambda:InvokeFunction');
    expect(permission?.Properties?.FunctionName, 'FunctionName').toEqual({ 'Fn::GetAtt': [FUNCTION_ID, 'Arn'] });
    expect(permission?.Properties?.SourceAccount, 'SourceAccount').toEqual({ Ref: 'AWS::AccountId' });
  });
});

/** Returns the statements whose only resource is `resource`. */
function statementsOn(statements: PolicyStatement[], resource: unknown): PolicyStatement[] {
  return statements.filter((statement) => JSON.stringify(asArray(statement.Resource)) === JSON.stringify([resource]));
}

/** Resolves a Resource entry to its ARN text: a plain string, or the template string of Fn::Sub. */
function resourceText(resource: unknown): string | undefined {
  if (typeof resource === 'string') return resource;
  const sub = (resource as { 'Fn::Sub'?: unknown })['Fn::Sub'];

  return typeof sub === 'string' ? sub : undefined;
}

describe('function role', () => {
  it('grants exactly the four rotation actions', () => {
    // Prepare
    const statements = statementsOn(roleStatements(output.template), SECRET_ARN_PATTERN);

    // Act
    const actions = statements.flatMap((statement) => asArray(statement.Action)).sort();

    // Assess
    expect(actions, 'secretsmanager actions granted to the role').toEqual(SECRETS_MANAGER_ACTIONS);
  });

  it('scopes secretsmanager actions to patterns', () => {
    // Prepare
    const statements = statementsWithActionPrefix(roleStatements(output.template), 'secretsmanager:');

    // Assess
    expect(statements.length, 'statements with secretsmanager actions').toBe(2);
    for (const statement of statements) {
      const description = JSON.stringify(statement);
      expect(statement.Effect, description).toBe('Allow');
      expect([[SECRET_ARN_PATTERN], [CREDENTIALS_ARN_PATTERN]], `Resource of ${description}`).toContainEqual(asArray(statement.Resource));
    }
  });

  it('only reads credentials secrets', () => {
    // Prepare
    const statements = statementsOn(roleStatements(output.template), CREDENTIALS_ARN_PATTERN);

    // Assess
    expect(statements.length, 'statements on credentialsSecretArnPattern').toBe(1);
    expect(asArray(statements[0]?.Action ?? [])).toEqual(['secretsmanager:GetSecretValue']);
    expect(statements[0]?.Effect).toBe('Allow');
  });

  it('keeps credentials apart from rotated secrets', () => {
    // Prepare
    const rotated = resourceText(SECRET_ARN_PATTERN)!.replace(/\*$/, '');
    const credentials = resourceText(CREDENTIALS_ARN_PATTERN)!.replace(/\*$/, '');

    // Assess: neither prefix covers the other, so no write action reaches a credentials secret.
    expect(credentials.startsWith(rotated), `${credentials} inside ${rotated}`).toBe(false);
    expect(rotated.startsWith(credentials), `${rotated} inside ${credentials}`).toBe(false);
  });

  it('bounds every wildcard to what AWS requires', () => {
    // Prepare
    const resources = roleStatements(output.template).flatMap((statement) => asArray(statement.Resource).map((resource) => ({ statement, resource })));

    // Assess: a secret ARN pattern needs its trailing "*" for the random suffix Secrets Manager
    // appends. The log statements need ":*" for the streams of the function's own log group.
    for (const { statement, resource } of resources) {
      const text = resourceText(resource);
      const description = JSON.stringify(statement);
      if (text === undefined) {
        expect(resource, `Resource of ${description}`).toEqual({ Ref: TOPIC_ID });
        continue;
      }
      const wildcards = text.indexOf('*') === -1 ? 'none' : text.slice(text.indexOf('*'));
      if (text.includes(':secretsmanager:')) {
        expect(text, description).toMatch(/:secret:[A-Za-z0-9/_+=.@-]+\/\*$/);
      } else if (text.includes(':logs:')) {
        expect(text, description).toMatch(/:log-group:\/aws\/lambda\/mtls-cert-rotator-dev\*:\*(:\*)?$/);
      } else {
        expect(wildcards, `wildcard in ${description}`).toBe('none');
      }
    }
  });

  it('limits sns:Publish to the topic', () => {
    // Prepare
    const statements = statementsWithActionPrefix(roleStatements(output.template), 'sns:');

    // Assess
    expect(statements.length, 'statements with sns actions').toBe(1);
    const [statement] = statements;
    const description = JSON.stringify(statement);
    expect(asArray(statement?.Action ?? []), `Action of ${description}`).toEqual(['sns:Publish']);
    expect(asArray(statement?.Resource), `Resource of ${description}`).toEqual([{ Ref: TOPIC_ID }]);
  });

  it('has no wildcard resource', () => {
    // Prepare
    const statements = roleStatements(output.template);

    // Act
    const unbounded = statements.filter((statement) => asArray(statement.Resource).includes('*'));

    // Assess
    expect(unbounded, 'statements with Resource "*"').toEqual([]);
  });

  it('adds no KMS statement by default', () => {
    // Prepare
    const kmsPolicy = resource(output.template, KMS_POLICY_ID);

    // Assess
    expect(kmsPolicy.Condition, `Condition of ${KMS_POLICY_ID}`).toBe(KMS_CONDITION_ID);
    expect(output.template.Conditions?.[KMS_CONDITION_ID], `${KMS_CONDITION_ID} with no secretsKmsKeyArn`).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['', ''] }],
    });
  });
});

describe.skipIf(reusedDirectory !== undefined)('function role with secretsKmsKeyArn', () => {
  let kmsOutput: PackageOutput;

  beforeAll(async () => {
    kmsOutput = await packageService([`--param=secretsKmsKeyArn=${EXAMPLE_KMS_KEY_ARN}`]);
  }, PACKAGE_TIMEOUT_MS);

  it('grants key use via Secrets Manager', () => {
    // Prepare
    const kmsPolicy = resource(kmsOutput.template, KMS_POLICY_ID);
    const statements = (kmsPolicy.Properties?.PolicyDocument as PolicyDocument).Statement;
    const [statement] = statements;
    const description = JSON.stringify(statement);

    // Assess
    expect(kmsOutput.template.Conditions?.[KMS_CONDITION_ID], KMS_CONDITION_ID).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [EXAMPLE_KMS_KEY_ARN, ''] }],
    });
    expect(statements.length, `statements in ${KMS_POLICY_ID}`).toBe(1);
    expect(asArray(statement?.Action ?? []).sort(), `Action of ${description}`).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(statement?.Resource, `Resource of ${description}`).toBe(EXAMPLE_KMS_KEY_ARN);
    expect(statement?.Condition, `Condition of ${description}`).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
    });
  });
});

describe.skipIf(reusedDirectory !== undefined)('function role with acmPcaCertificateAuthorityArn', () => {
  const caArn = 'arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555';
  let pcaOutput: PackageOutput;

  beforeAll(async () => {
    pcaOutput = await packageService([`--param=acmPcaCertificateAuthorityArn=${caArn}`]);
  }, PACKAGE_TIMEOUT_MS);

  it('grants the CA calls on that CA only', () => {
    // Prepare
    const policy = resource(pcaOutput.template, 'RotateAcmPcaPolicy');
    const statements = (policy.Properties?.PolicyDocument as PolicyDocument).Statement;
    const description = JSON.stringify(statements);

    // Assess
    expect(policy.Condition, 'Condition of RotateAcmPcaPolicy').toBe('HasAcmPcaCertificateAuthority');
    expect(statements.length, `statements: ${description}`).toBe(1);
    expect(asArray(statements[0]?.Action ?? []).sort(), `Action of ${description}`).toEqual([
      'acm-pca:DescribeCertificateAuthority',
      'acm-pca:GetCertificate',
      'acm-pca:IssueCertificate',
      'acm-pca:RevokeCertificate',
    ]);
    expect(statements[0]?.Resource, `Resource of ${description}`).toBe(caArn);
  });
});

describe.skipIf(reusedDirectory !== undefined)('function role with credentialsSecretArnPattern', () => {
  let credentialsOutput: PackageOutput;

  beforeAll(async () => {
    credentialsOutput = await packageService([`--param=credentialsSecretArnPattern=${EXAMPLE_CREDENTIALS_ARN_PATTERN}`]);
  }, PACKAGE_TIMEOUT_MS);

  it('reads credentials from that pattern only', () => {
    // Prepare
    const statements = statementsWithActionPrefix(roleStatements(credentialsOutput.template), 'secretsmanager:');
    const credentials = statementsOn(statements, { 'Fn::Sub': EXAMPLE_CREDENTIALS_ARN_PATTERN });

    // Assess
    expect(credentials.length, 'statements on the configured pattern').toBe(1);
    expect(asArray(credentials[0]?.Action ?? [])).toEqual(['secretsmanager:GetSecretValue']);
    expect(statementsOn(statements, CREDENTIALS_ARN_PATTERN), 'statements on the default pattern').toEqual([]);
    expect(statementsOn(statements, SECRET_ARN_PATTERN).length, 'rotated secrets keep their statement').toBe(1);
  });
});
