import { execFile } from 'node:child_process';

import { PeerError } from './errors.js';

/** Maximum run time of a one-shot tool (cfssl gencert, openssl req). Each took well under a second on a 2-core machine. */
const COMMAND_TIMEOUT_MS = 30_000;

export interface RunCommandOptions {
  cwd: string;
}

/**
 * Runs a one-shot command and returns its stdout.
 * Throws PeerError with the command line and its stderr when it fails.
 */
export function runCommand(file: string, args: readonly string[], options: RunCommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const commandLine = [file, ...args].join(' ');
          reject(new PeerError(`Command failed: ${commandLine}: ${stderr.trim() || error.message}`, { cause: error }));

          return;
        }

        resolve(stdout);
      },
    );
  });
}
