/**
 * CPU time of processes and of the machine, from /proc (Linux): what each
 * part of the stack used during a batch, in cores (1.0 = one core busy).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const HZ = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces.
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (+ reaped children's with `children`), in seconds. */
export function cpuSeconds(pid: number, children = false): number {
  const f = statFields(pid);
  if (!f) return NaN;
  // Fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const t = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return t / HZ;
}

/** A process and its live children (e.g. PostgreSQL's postmaster and backends), in seconds. */
export function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid, true);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === pid) total += cpuSeconds(Number(name));
  }
  return total;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuTarget {
  name: string;
  /** CPU seconds used so far. */
  read(): number;
}

export interface CpuUsage {
  /** Cores used on average over the interval, by part. */
  cores: Record<string, number>;
  /** Share of the machine's CPU that was busy (everyone's, not only ours). */
  machineBusy: number;
  wallMs: number;
}

/** Starts measuring; `stop()` returns each target's average cores over the interval. */
export function cpuMeter(targets: readonly CpuTarget[]): { stop(): CpuUsage } {
  const t0 = Date.now();
  const m0 = machineTicks();
  const start = new Map(targets.map((t) => [t.name, t.read()]));
  return {
    stop() {
      const wallMs = Date.now() - t0;
      const m1 = machineTicks();
      const cores: Record<string, number> = {};
      for (const t of targets) {
        const used = t.read() - (start.get(t.name) ?? NaN);
        cores[t.name] = Number.isFinite(used) ? used / (wallMs / 1000) : NaN;
      }
      return {
        cores,
        machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
        wallMs,
      };
    },
  };
}
