import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type AwsEmulator, startAwsEmulator } from '../../dev/aws/emulator.js';

let emulator: AwsEmulator;

beforeEach(async () => {
  emulator = await startAwsEmulator();
});

afterEach(async () => {
  await emulator.close();
});

function postJson(target: string, body: string): Promise<Response> {
  return fetch(emulator.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
}

function postForm(body: string): Promise<Response> {
  return fetch(emulator.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
}

describe('awsJson1_1 wire format', () => {
  it('listens on loopback', () => {
    // Assess
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('returns error as __type body', async () => {
    // Act
    const response = await postJson('secretsmanager.GetSecretValue', '{"SecretId":"missing"}');

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
  });

  it('returns CreatedDate as epoch seconds', async () => {
    // Prepare
    await postJson('secretsmanager.CreateSecret', '{"Name":"wire","SecretString":"v"}');

    // Act
    const response = await postJson('secretsmanager.GetSecretValue', '{"SecretId":"wire"}');

    // Assess
    const body = (await response.json()) as { CreatedDate: unknown };
    expect(typeof body.CreatedDate).toBe('number');
    expect(Math.abs((body.CreatedDate as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('rejects malformed JSON', async () => {
    // Act
    const response = await postJson('secretsmanager.CreateSecret', '{"Name":');

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('rejects unknown operation', async () => {
    // Act
    const response = await postJson('secretsmanager.GetRandomPassword', '{}');

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('awsQuery wire format', () => {
  it('wraps result in response element', async () => {
    // Act
    const response = await postForm('Action=CreateTopic&Version=2010-03-31&Name=wire');

    // Assess
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    expect(body).toContain('<CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:wire</TopicArn></CreateTopicResult>');
    expect(body).toMatch(/<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata>/);
  });

  it('returns NotFound as ErrorResponse', async () => {
    // Act
    const response = await postForm('Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Anone&Message=m');

    // Assess
    const body = await response.text();
    expect(response.status).toBe(404);
    expect(body).toContain('<Error><Type>Sender</Type><Code>NotFound</Code>');
  });
});

describe('unrecognised request', () => {
  it('answers 400 plain text', async () => {
    // Act
    const response = await fetch(emulator.endpoint, { method: 'POST', body: 'hello' });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/serves Secrets Manager/);
  });
});

describe('close', () => {
  it('can be called twice', async () => {
    // Prepare
    const second = await startAwsEmulator();

    // Act
    const closing = [second.close(), second.close()];

    // Assess
    await expect(Promise.all(closing)).resolves.toEqual([undefined, undefined]);
    await expect(fetch(second.endpoint, { method: 'POST' })).rejects.toThrow();
  });
});
