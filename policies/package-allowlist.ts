/**
 * seed (Domain 4): "Install approved packages/libraries". The approved packages, each at one exact version with the
 * integrity hash npm records in package-lock.json: an install is accepted only when the lockfile afterwards holds
 * exactly this version and this hash, so a tampered tarball or a substituted version is refused. Adding an entry is
 * a change to policies/ and so needs its own operator approval (policies/upgrade-rules.ts).
 */

export interface AllowedPackage {
  name: string;
  version: string;
  /** Subresource-integrity string from the npm registry (as in package-lock.json). */
  integrity: string;
  purpose: string;
}

export const PACKAGE_ALLOWLIST: readonly AllowedPackage[] = [
  {
    name: 'ms',
    version: '2.1.3',
    integrity: 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==',
    purpose: 'human-readable durations in operator messages and configuration',
  },
  {
    name: 'dayjs',
    version: '1.11.23',
    integrity: 'sha512-QDTCU0M0MxR3hQfnlDJfwekQiaanm1ubOD231u73WBckQ/fsamwRLiE2GBz6D3a/xF1NgfiDLJjXBa1hYOYTtQ==',
    purpose: 'calendar arithmetic for market expiries and report periods',
  },
  {
    name: 'heap-js',
    version: '2.7.1',
    integrity: 'sha512-EQfezRg0NCZGNlhlDR3Evrw1FVL2G3LhU7EgPoxufQKruNBSYA8MiRPHeWbU+36o+Fhel0wMwM+sLEiBAlNLJA==',
    purpose: 'priority queues for the event-driven backtester',
  },
];

export type AllowlistVerdict = { allowed: true; entry: AllowedPackage } | { allowed: false; reason: string };

export function allowlistVerdict(
  name: string,
  version: string,
  allowlist: readonly AllowedPackage[] = PACKAGE_ALLOWLIST,
): AllowlistVerdict {
  const sameName = allowlist.filter((p) => p.name === name);
  if (sameName.length === 0) {
    return {
      allowed: false,
      reason: `package ${name} is not on the allowlist (policies/package-allowlist.ts); approved: ${allowlist.map((p) => `${p.name}@${p.version}`).join(', ')}`,
    };
  }
  const entry = sameName.find((p) => p.version === version);
  if (!entry) {
    return {
      allowed: false,
      reason: `${name}@${version} is not the approved version; the allowlist approves ${sameName.map((p) => `${p.name}@${p.version}`).join(', ')} only`,
    };
  }
  return { allowed: true, entry };
}
