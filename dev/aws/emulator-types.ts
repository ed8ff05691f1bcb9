import type { Context } from 'aws-lambda';

export const RotationStep = {
  createSecret: 'createSecret',
  setSecret: 'setSecret',
  testSecret: 'testSecret',
  finishSecret: 'finishSecret',
} as const;

export type RotationStepName = (typeof RotationStep)[keyof typeof RotationStep];

/** The event Secrets Manager sends to a rotation Lambda function for one step. */
export interface RotationInvocation {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStepName;
  RotationToken?: string;
}

export type RotationHandler = (event: RotationInvocation, context: Context) => Promise<unknown>;

export interface PublishedMessage {
  topicArn: string;
  message: string;
  subject?: string;
  /** `binaryValue` is base64, as on the wire. */
  messageAttributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;
  messageId: string;
}

export interface RotationStepOutcome {
  step: string;
  ok: boolean;
  error?: { name: string; message: string };
}

/** One RotateSecret call and the outcome of each step it invoked so far. */
export interface RotationRecord {
  secretArn: string;
  token: string;
  rotateImmediately: boolean;
  steps: RotationStepOutcome[];
  /** Resolves, never rejects, once the last step settles. */
  done: Promise<void>;
}

export interface FaultSpec {
  /** The Secrets Manager or SNS operation name, for example 'PutSecretValue' or 'Publish'. */
  operation: string;
  /** 'before' fails without performing the operation, 'after' performs it and then fails. */
  when: 'before' | 'after';
  /** How many matching requests fail, default 1. */
  times?: number;
  /** How many matching requests pass before the first failure, default 0. */
  skip?: number;
  /** 'reset' (default) destroys the socket, 'status500' returns the service's internal error. */
  kind?: 'reset' | 'status500';
}

export interface AwsEmulator {
  /** http://127.0.0.1:<port>, serving Secrets Manager and SNS. */
  endpoint: string;
  region: string;
  accountId: string;
  snsMessages: PublishedMessage[];
  rotations: RotationRecord[];
  setRotationHandler(handler: RotationHandler, options?: { timeoutMs?: number }): void;
  /** Resolves once every started rotation, including ones started while waiting, has settled. */
  waitForRotations(): Promise<void>;
  injectFault(fault: FaultSpec): void;
  /** Waits for running rotations, then stops the server and drops open connections. Later calls return the same promise. */
  close(): Promise<void>;
}
