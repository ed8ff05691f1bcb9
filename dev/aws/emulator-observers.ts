import type { PublishedMessage, RotationStepOutcome } from './emulator-types.js';

/**
 * Receives what every emulator in this process publishes and every rotation step that fails, such
 * as the test suite's check for leaked private keys. Observers see each item as it happens, so they
 * also cover emulators a test closes before the end of the run.
 */
export interface EmulatorObserver {
  published?(message: PublishedMessage): void;
  stepFailed?(secretArn: string, outcome: RotationStepOutcome): void;
}

const observers = new Set<EmulatorObserver>();

/** Registers `observer` for every emulator in the process; the returned function removes it again. */
export function observeEmulators(observer: EmulatorObserver): () => void {
  observers.add(observer);

  return () => {
    observers.delete(observer);
  };
}

export function reportPublished(message: PublishedMessage): void {
  for (const observer of observers) observer.published?.(message);
}

export function reportStepFailed(secretArn: string, outcome: RotationStepOutcome): void {
  for (const observer of observers) observer.stepFailed?.(secretArn, outcome);
}
