/**
 * Which ledger backups to keep (seed: "Hourly backups to external storage"): the newest `hourly` backups, plus the
 * newest backup of each of the last `daily` days, plus the newest of each of the last `weekly` weeks. Everything
 * else may be deleted. Pure: the caller lists the files and deletes.
 */
export interface RetentionPolicy {
  hourly: number;
  daily: number;
  weekly: number;
}

export interface BackupRef {
  name: string;
  /** ISO time the backup was taken. */
  takenAt: string;
}

const DAY_MS = 24 * 3600_000;

export function selectBackupsToKeep(
  backups: BackupRef[],
  policy: RetentionPolicy,
): { keep: BackupRef[]; remove: BackupRef[] } {
  const newestFirst = [...backups].sort((a, b) => Date.parse(b.takenAt) - Date.parse(a.takenAt));
  const keep = new Set<string>(newestFirst.slice(0, policy.hourly).map((b) => b.name));
  const keepNewestPer = (bucketOf: (t: number) => number, buckets: number) => {
    const seen = new Set<number>();
    for (const backup of newestFirst) {
      const bucket = bucketOf(Date.parse(backup.takenAt));
      if (seen.has(bucket)) continue;
      if (seen.size >= buckets) break;
      seen.add(bucket);
      keep.add(backup.name);
    }
  };
  keepNewestPer((t) => Math.floor(t / DAY_MS), policy.daily);
  // Weeks counted from the epoch (a Thursday); any fixed boundary works for spacing weekly copies.
  keepNewestPer((t) => Math.floor(t / (7 * DAY_MS)), policy.weekly);
  return {
    keep: newestFirst.filter((b) => keep.has(b.name)),
    remove: newestFirst.filter((b) => !keep.has(b.name)),
  };
}
