/** Resident memory of the bench's own processes, read from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

/** Current and peak resident set size, in MiB. */
export interface Memory {
  rssMiB: number;
  peakRssMiB: number;
}

function statusField(status: string, field: string): number {
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return Math.round((kib / 1024) * 10) / 10;
}

/** RSS (VmRSS) and peak RSS (VmHWM) of a process. */
export function processMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: statusField(status, 'VmRSS'), peakRssMiB: statusField(status, 'VmHWM') };
}

function parentOf(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name: state, ppid, …
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isDescendant(pid: number, ancestor: number): boolean {
  for (let p = parentOf(pid), hops = 0; p !== undefined && p > 1 && hops < 16; p = parentOf(p), hops++) {
    if (p === ancestor) return true;
  }
  return false;
}

/** The pid of the `workerd` process this Node process started (through Miniflare). */
export function childWorkerdPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd' && isDescendant(pid, process.pid)) return pid;
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}
