import { readFileSync } from 'node:fs';

/**
 * A process's memory as Linux accounts it, in MiB:
 *
 * - rss: resident pages (VmRSS) = anon (RssAnon: heap, native allocations) + file (RssFile: mapped files — the node
 *   binary, shared libraries, memory-mapped files such as a usearch graph opened with view()).
 * - pss: proportional set size (smaps_rollup): each page divided by the number of processes mapping it, so the PSS
 *   of N processes adds up to what they cost together.
 * - uss: unique set size: pages only this process maps (Private_Clean + Private_Dirty), what stopping it frees.
 *
 * Pages that a process only reads through read(2)/pread(2) (embeddings.npy in page-cache mode) are in the page cache
 * and appear in no process's RSS: `pageCache` in the benchmark reports them apart.
 */
export interface ProcMemory {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  readonly hwm: number;
  readonly pss: number;
  readonly uss: number;
}

const MIB = 1024;

function field(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  if (!match) throw new Error(`no ${name} in /proc memory accounting`);
  return Number(match[1]) / MIB;
}

export function procMemory(pid: number | 'self' = 'self'): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss: field(status, 'VmRSS'),
    anon: field(status, 'RssAnon'),
    file: field(status, 'RssFile'),
    hwm: field(status, 'VmHWM'),
    pss: field(rollup, 'Pss'),
    uss: field(rollup, 'Private_Clean') + field(rollup, 'Private_Dirty'),
  };
}
