import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { PeerUnavailableError } from './errors.js';

export interface FindExecutableOptions {
  /** Absolute paths tried before the PATH directories. */
  candidates?: string[];
  /** What to install when the executable is missing, e.g. "apt-get install -y nginx". */
  installHint: string;
}

/**
 * Resolves an executable by absolute candidate paths first, then by PATH.
 * Throws PeerUnavailableError naming every path tried and what to install.
 */
export async function findExecutable(name: string, options: FindExecutableOptions): Promise<string> {
  const pathDirectories = (process.env.PATH ?? '').split(delimiter).filter((directory) => directory !== '');
  const searched = [...(options.candidates ?? []), ...pathDirectories.map((directory) => join(directory, name))];

  for (const path of searched) {
    if (await isExecutable(path)) {
      return path;
    }
  }

  throw new PeerUnavailableError(
    name,
    `Executable '${name}' not found (searched ${searched.join(', ')}): ${options.installHint}`,
  );
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);

    return true;
  } catch {
    // The file is missing or not executable, so the caller tries the next path.
    return false;
  }
}
