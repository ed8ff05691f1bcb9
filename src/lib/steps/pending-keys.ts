import type { KeySpec } from '../config/rotation-config.js';
import { generateKey, type GeneratedKey } from '../certificates/keys.js';

// AWS Private CA honours an idempotency token for five minutes. A key is kept a while longer, so a
// retry near that limit still finds it, but not for hours, since a later retry gains nothing from it.
const MAX_AGE_MS = 15 * 60 * 1000;
const MAX_ENTRIES = 32;

interface Entry {
  spec: string;
  key: GeneratedKey;
  createdAt: number;
}

/**
 * Keys that createSecret generated in this execution environment and has not stored yet, by
 * secret and ClientRequestToken. A retry of a failed attempt reuses the key, so its CSR carries
 * the same public key and a CA with asynchronous issuance (AWS Private CA) returns the certificate
 * the first attempt requested instead of issuing another one. A key leaves the cache once stored,
 * and the cache lives in memory only, so a retry in another execution environment generates a new key.
 */
export class PendingKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Returns the cached key for this rotation when its spec still matches, or generates and caches a new one. */
  async obtain(secretArn: string, token: string, spec: KeySpec): Promise<{ key: GeneratedKey; reused: boolean }> {
    this.dropExpired();
    const id = `${secretArn}\n${token}`;
    const specText = JSON.stringify(spec);
    const cached = this.entries.get(id);
    if (cached !== undefined && cached.spec === specText) return { key: cached.key, reused: true };

    const key = await generateKey(spec);
    this.entries.delete(id);
    this.entries.set(id, { spec: specText, key, createdAt: this.now() });
    // Maps iterate in insertion order, so the first entry is the oldest.
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);

    return { key, reused: false };
  }

  /** Drops the key of a rotation whose value is stored. */
  forget(secretArn: string, token: string): void {
    this.entries.delete(`${secretArn}\n${token}`);
  }

  private dropExpired(): void {
    const oldest = this.now() - MAX_AGE_MS;
    for (const [id, entry] of this.entries) {
      if (entry.createdAt < oldest) this.entries.delete(id);
    }
  }
}

/** The cache of this execution environment, shared by every createSecret it runs. */
export const pendingKeys = new PendingKeys();
