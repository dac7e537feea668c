/**
 * Which of the App's webhook deliveries to ask GitHub to redeliver. GitHub
 * does not redeliver a failed delivery by itself; the redelivery job lists
 * recent deliveries and picks, per event (`guid`), the latest attempt of each
 * event none of whose attempts succeeded, while it has had fewer than
 * `maxAttempts` attempts. Pure.
 */

export interface DeliverySummary {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  status: string;
}

export interface RedeliveryRules {
  /** Events whose first attempt is older than this (ISO time) are left alone. */
  sinceIso: string;
  /** Attempts an event may have had (its first delivery included) to be redelivered again. */
  maxAttempts: number;
}

/** A response in 200..299 is a success; anything else (an error, no connection, a timeout) failed. */
export function succeeded(d: Pick<DeliverySummary, 'status_code'>): boolean {
  return d.status_code >= 200 && d.status_code < 300;
}

/** The delivery ids to redeliver (the latest failed attempt of each failed event), oldest event first. */
export function deliveriesToRedeliver(
  deliveries: readonly DeliverySummary[],
  rules: RedeliveryRules,
): number[] {
  const byGuid = new Map<string, DeliverySummary[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const picked: { id: number; first: string }[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some(succeeded)) continue;
    // Still in flight: GitHub has not recorded an answer yet.
    if (attempts.some((a) => a.status_code === 0 && a.status === 'pending')) continue;
    if (attempts.length >= rules.maxAttempts) continue;
    const ordered = [...attempts].sort((a, b) => a.id - b.id);
    const first = ordered[0]!;
    const latest = ordered[ordered.length - 1]!;
    if (first.delivered_at < rules.sinceIso) continue;
    picked.push({ id: latest.id, first: first.delivered_at });
  }
  return picked.sort((a, b) => a.first.localeCompare(b.first) || a.id - b.id).map((p) => p.id);
}
