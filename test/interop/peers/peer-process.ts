import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

import { PeerStartError } from './errors.js';
import { reserveFreePort } from './free-port.js';

/** Maximum characters of stdout and stderr kept for error messages. Older output is dropped. */
const OUTPUT_TAIL_MAX_CHARS = 16_384;
const READY_POLL_INTERVAL_MS = 50;
/** Time given to a peer to exit after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Port attempts when another process takes the reserved port first. */
const PORT_ATTEMPTS = 3;

export interface PeerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running peer process (cfssl serve, nginx) started by a test. */
export interface PeerProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Settles when the process exits, however it exits. */
  readonly exited: Promise<PeerExit>;
  /** Returns the last OUTPUT_TAIL_MAX_CHARS characters the process wrote to stdout and stderr. */
  output(): string;
  /** Sends SIGTERM, then SIGKILL after STOP_GRACE_MS, and waits for the exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Spawns a peer process whose output is kept in memory. The process is also
 * killed when the test worker exits without calling stop(), so a failed
 * beforeAll does not leave it running.
 */
export function spawnPeer(name: string, command: string, args: readonly string[], cwd: string): PeerProcess {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let outputTail = '';
  const appendOutput = (chunk: Buffer): void => {
    outputTail = (outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_MAX_CHARS);
  };
  child.stdout?.on('data', appendOutput);
  child.stderr?.on('data', appendOutput);

  const killOnWorkerExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnWorkerExit);

  const exited = new Promise<PeerExit>((resolve) => {
    child.once('error', (error) => {
      appendOutput(Buffer.from(`spawn failed: ${error.message}\n`));
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  void exited.then(() => process.removeListener('exit', killOnWorkerExit));

  return {
    name,
    pid: child.pid,
    exited,
    output: () => outputTail,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<PeerExit>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  child.kill('SIGTERM');
  const cancelGraceTimer = new AbortController();
  const graceTimer = sleep(STOP_GRACE_MS, 'timeout' as const, { signal: cancelGraceTimer.signal }).catch(
    () => 'cancelled' as const,
  );
  const outcome = await Promise.race([exited.then(() => 'exited' as const), graceTimer]);
  cancelGraceTimer.abort();
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Polls `probe` until it returns true. Throws PeerStartError, carrying the
 * process output, when the process exits first or `timeoutMs` passes. A
 * process still running at the timeout is stopped first.
 */
export async function waitUntilReady(peer: PeerProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: PeerExit | undefined;
  void peer.exited.then((result) => {
    exit = result;
  });

  while (Date.now() < deadline) {
    if (exit !== undefined) {
      const output = peer.output();
      throw new PeerStartError(
        peer.name,
        `${peer.name} exited before it was ready (code ${exit.code}, signal ${exit.signal}); its output:\n${output}`,
        { addressInUse: /address already in use/i.test(output) },
      );
    }

    if (await probe()) {
      return;
    }

    await sleep(READY_POLL_INTERVAL_MS);
  }

  await peer.stop();
  throw new PeerStartError(
    peer.name,
    `${peer.name} did not become ready within ${timeoutMs} ms; its output:\n${peer.output()}`,
  );
}

/**
 * Calls `start` with a free port, and again with a new port when the peer
 * reports that another process took the first one.
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await reserveFreePort();
    try {
      return await start(port);
    } catch (error) {
      const canRetry = error instanceof PeerStartError && error.addressInUse && attempt < PORT_ATTEMPTS;
      if (!canRetry) {
        throw error;
      }
    }
  }
}
