import type { Difference, EnvironmentDiff, ExpectedCategory } from './environment-diff.js';

/** What each expected category covers, as the report says it. */
const CATEGORY_MEANING: Readonly<Record<ExpectedCategory, string>> = {
  names: 'instance label, host, TLS Secret, generated names, ROLEPLANE_ENV',
  namespaces: 'namespaces',
  pools: 'node pools the workloads are pinned to',
  sizes: 'requests, limits, volume sizes, Valkey maxmemory',
  replicas: 'replica counts and HPA bounds',
  schedule: 'PowerSchedule the namespaces join',
};

/** Categories whose values are few and telling: listed by value rather than counted. */
const LISTED: ReadonlySet<ExpectedCategory> = new Set(['namespaces', 'pools', 'schedule']);

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
}

/** The lines only in a (`-`) and only in b (`+`), in order, from a longest-common-subsequence walk. */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${x[i++]}`);
    else out.push(`+ ${y[j++]}`);
  }
  return out;
}

function differenceLines(d: Difference, a: string, b: string): string[] {
  if (d.kind === 'only') return [`${d.side === 'a' ? '-' : '+'} ${d.object}: only in ${d.side === 'a' ? a : b}`];
  if (typeof d.a === 'string' && typeof d.b === 'string' && (d.a.includes('\n') || d.b.includes('\n'))) {
    return [
      `~ ${d.object} ${d.path}: lines only in ${a} (-) and only in ${b} (+):`,
      ...lineDiff(d.a, d.b).map((l) => `    ${l}`),
    ];
  }
  return [`~ ${d.object} ${d.path}: ${show(d.a)} (${a}) → ${show(d.b)} (${b})`];
}

/** The report `roleplane diff` prints. `showExpected` lists each normalised place too. */
export function renderEnvironmentDiff(diff: EnvironmentDiff, showExpected = false): string {
  const { a, b } = diff;
  const lines: string[] = [`roleplane diff ${a} ${b}`, '', 'Expected to differ (normalised before comparing):'];
  for (const e of diff.expected) {
    const label = e.category.padEnd(10);
    if (e.places.length === 0) {
      lines.push(`  ${label} same`);
      continue;
    }
    if (LISTED.has(e.category)) {
      lines.push(`  ${label} ${a}: ${e.a.join(', ') || '(none)'}`);
      lines.push(`  ${' '.repeat(10)} ${b}: ${e.b.join(', ') || '(none)'}`);
    } else {
      lines.push(`  ${label} ${e.places.length} place(s) (${CATEGORY_MEANING[e.category]})`);
    }
    if (showExpected) for (const p of e.places) lines.push(`      ${p.location}: ${p.a} → ${p.b}`);
  }
  lines.push('', 'Not compared:');
  const parts = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([part, n]) => `${part} (${n})`)
      .join(', ');
  for (const [side, counts] of [
    [a, diff.clusterWide.a],
    [b, diff.clusterWide.b],
  ] as const) {
    if (Object.keys(counts).length > 0) lines.push(`  cluster-wide parts, applied once with ${side}: ${parts(counts)}`);
  }
  for (const [side, only] of [
    [a, diff.onlyIn.a],
    [b, diff.onlyIn.b],
  ] as const) {
    for (const [part, objects] of Object.entries(only))
      lines.push(`  only ${side} runs ${part}: ${objects.join(', ')}`);
  }
  if (lines[lines.length - 1] === 'Not compared:') lines.push('  nothing');
  lines.push('');
  if (diff.differences.length === 0) {
    lines.push(`Other differences: none (${b} is ${a}'s twin once the above is set aside)`);
  } else {
    lines.push(`Other differences (${diff.differences.length}):`);
    for (const d of diff.differences) lines.push(...differenceLines(d, a, b).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}
