import type { ExtendedKeyUsageName, KeyUsageName } from '../pki/index.js';

/** Usage names of a CFSSL signing profile, spelled as in CFSSL's config (config/config.go). */
export type CfsslUsage = keyof typeof KEY_USAGES | keyof typeof EXTENDED_KEY_USAGES;

/** A signing profile: the `usages` and `expiry` fields of CFSSL's `signing.profiles` entries. */
export interface CfsslProfile {
  usages: CfsslUsage[];
  /** Validity of issued certificates. CFSSL writes it as a Go duration such as "2160h". */
  expiryHours: number;
}

export type CfsslProfiles = Record<string, CfsslProfile>;

/** Certificate extensions that a profile requests. */
export interface ProfileUsages {
  keyUsages: KeyUsageName[] | null;
  extendedKeyUsages: ExtendedKeyUsageName[] | null;
}

const KEY_USAGES = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
} as const satisfies Record<string, KeyUsageName>;

const EXTENDED_KEY_USAGES = {
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  timestamping: 'timeStamping',
  'ocsp signing': 'ocspSigning',
} as const satisfies Record<string, ExtendedKeyUsageName>;

const DEFAULT_EXPIRY_HOURS = 90 * 24;

/** Profiles as commonly written in a `cfssl serve` config: one for mTLS clients, one for servers. */
export const DEFAULT_CFSSL_PROFILES: CfsslProfiles = {
  client: { usages: ['signing', 'key encipherment', 'client auth'], expiryHours: DEFAULT_EXPIRY_HOURS },
  server: { usages: ['signing', 'key encipherment', 'server auth'], expiryHours: DEFAULT_EXPIRY_HOURS },
};

export const DEFAULT_CFSSL_PROFILE_NAME = 'client';

/** Rejects a profile set that `cfssl serve` would refuse to load, naming the profile and the fix. */
export function assertValidProfiles(profiles: CfsslProfiles, defaultProfile: string): void {
  if (!Object.hasOwn(profiles, defaultProfile)) {
    throw new Error(
      `Invalid CFSSL configuration: defaultProfile '${defaultProfile}' is not among the profiles (${Object.keys(profiles).join(', ')})`,
    );
  }

  for (const [name, profile] of Object.entries(profiles)) {
    const unknownUsages = profile.usages.filter((usage) => !isKnownUsage(usage));
    if (unknownUsages.length > 0) {
      throw new Error(
        `Invalid CFSSL profile '${name}': unknown usages ${JSON.stringify(unknownUsages)}. Known usages: ${JSON.stringify(knownUsages())}`,
      );
    }
    // CFSSL's FillTemplate fails with NoKeyUsages (5100) for a profile without any usage.
    if (profile.usages.length === 0) {
      throw new Error(`Invalid CFSSL profile '${name}': usages is empty. Add at least one usage such as 'client auth'.`);
    }
    if (!Number.isFinite(profile.expiryHours) || profile.expiryHours <= 0) {
      throw new Error(`Invalid CFSSL profile '${name}': expiryHours must be a positive number, got ${profile.expiryHours}`);
    }
  }
}

/**
 * Maps profile usages to extensions. As with CFSSL, which writes exactly the profile's usages, a
 * profile without key usages or without extended key usages omits that extension.
 */
export function usagesOfProfile(profile: CfsslProfile): ProfileUsages {
  const keyUsages = new Set<KeyUsageName>();
  const extendedKeyUsages = new Set<ExtendedKeyUsageName>();
  for (const usage of profile.usages) {
    if (Object.hasOwn(KEY_USAGES, usage)) {
      keyUsages.add(KEY_USAGES[usage as keyof typeof KEY_USAGES]);
    } else {
      extendedKeyUsages.add(EXTENDED_KEY_USAGES[usage as keyof typeof EXTENDED_KEY_USAGES]);
    }
  }

  return {
    keyUsages: keyUsages.size > 0 ? [...keyUsages] : null,
    extendedKeyUsages: extendedKeyUsages.size > 0 ? [...extendedKeyUsages] : null,
  };
}

/** Formats the expiry as CFSSL's info endpoint returns it: the configured Go duration string. */
export function expiryString(profile: CfsslProfile): string {
  return `${profile.expiryHours}h`;
}

function isKnownUsage(usage: string): boolean {
  return Object.hasOwn(KEY_USAGES, usage) || Object.hasOwn(EXTENDED_KEY_USAGES, usage);
}

function knownUsages(): string[] {
  return [...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)];
}
