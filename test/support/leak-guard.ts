import { afterAll } from 'vitest';
import { observeEmulators } from '../../dev/aws/emulator-observers.js';
import { findPrivateKeyMaterial } from './key-material.js';

/*
 * Captures everything a test file writes: Powertools Logger writes to process.stdout, test code to
 * console. It also receives every SNS message an AWS emulator publishes and every error of a
 * rotation step the emulator runs. The file fails when any of it contains private key material.
 * Loaded for every test file through vitest's setupFiles.
 */
const captured: string[] = [];
const inspected: { label: string; text: string }[] = [];

observeEmulators({
  published: (message) => {
    inspected.push({ label: `SNS message ${message.messageId}`, text: `${message.subject ?? ''}\n${message.message}\n${JSON.stringify(message.messageAttributes)}` });
  },
  stepFailed: (secretArn, outcome) => {
    inspected.push({ label: `error of rotation step ${outcome.step} of ${secretArn}`, text: `${outcome.error?.name ?? ''}: ${outcome.error?.message ?? ''}` });
  },
});

// The rotation function's JSON log lines are checked but not echoed, unless TEST_LOGS=1: a passing
// run would otherwise print hundreds of them, including the ERROR lines of expected failures.
const echoLogs = process.env.TEST_LOGS === '1';
const POWERTOOLS_LINE = /^\{"level":"[A-Z]+","message":/;

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    captured.push(text);
    if (!echoLogs && POWERTOOLS_LINE.test(text)) {
      const callback = rest.find((argument): argument is () => void => typeof argument === 'function');
      callback?.();

      return true;
    }

    return write(chunk, ...rest);
  }) as typeof stream.write;
}

for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    captured.push(args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' '));
    original(...args);
  };
}

/** Returns the output captured so far in this test file, for tests that assert on log lines. */
export function capturedOutput(): string {
  return captured.join('');
}

/** Returns the labels of the SNS messages and step errors the guard has received so far in this test file. */
export function inspectedLabels(): string[] {
  return inspected.map((item) => item.label);
}

afterAll(() => {
  const found = findPrivateKeyMaterial(captured.join('\n'));
  if (found !== undefined) {
    throw new Error(`leak guard: output captured during this test file contains private key material (${found})`);
  }
  for (const item of inspected) {
    const material = findPrivateKeyMaterial(item.text);
    if (material !== undefined) throw new Error(`leak guard: ${item.label} contains private key material (${material})`);
  }
});

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
