import type { FaultSpec } from './emulator-types.js';

export type FaultKind = NonNullable<FaultSpec['kind']>;

interface ArmedFault {
  operation: string;
  when: FaultSpec['when'];
  remaining: number;
  kind: FaultKind;
}

/** Faults armed by tests, each firing on the next `times` matching requests. */
export class FaultInjector {
  private readonly faults: ArmedFault[] = [];

  add(fault: FaultSpec): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`Cannot inject fault on ${fault.operation}: times must be a positive integer, got ${times}.`);
    }

    this.faults.push({ operation: fault.operation, when: fault.when, remaining: times, kind: fault.kind ?? 'reset' });
  }

  /** Consumes one firing of the first armed fault that matches, and returns its kind. */
  take(operation: string, when: FaultSpec['when']): FaultKind | undefined {
    const index = this.faults.findIndex((fault) => fault.operation === operation && fault.when === when);
    const fault = this.faults[index];
    if (fault === undefined) {
      return undefined;
    }

    fault.remaining -= 1;
    if (fault.remaining === 0) {
      this.faults.splice(index, 1);
    }

    return fault.kind;
  }
}
