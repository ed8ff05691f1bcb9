import type { FaultSpec } from './emulator-types.js';

export type FaultKind = NonNullable<FaultSpec['kind']>;

interface ArmedFault {
  operation: string;
  when: FaultSpec['when'];
  remaining: number;
  /** Matching requests still to let through before the fault fires. */
  skip: number;
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

    const skip = fault.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0) {
      throw new RangeError(`Cannot inject fault on ${fault.operation}: skip must be a whole number, got ${skip}.`);
    }

    this.faults.push({ operation: fault.operation, when: fault.when, remaining: times, skip, kind: fault.kind ?? 'reset' });
  }

  /** Consumes one firing of the first armed fault that matches, and returns its kind. */
  take(operation: string, when: FaultSpec['when']): FaultKind | undefined {
    const index = this.faults.findIndex((fault) => fault.operation === operation && fault.when === when);
    const fault = this.faults[index];
    if (fault === undefined) {
      return undefined;
    }
    if (fault.skip > 0) {
      fault.skip -= 1;

      return undefined;
    }

    fault.remaining -= 1;
    if (fault.remaining === 0) {
      this.faults.splice(index, 1);
    }

    return fault.kind;
  }
}
