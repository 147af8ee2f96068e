import { HOURS_PER_WEEK } from './awake-week.js';
import type { CostEstimate, Placement, PoolCost } from './estimate.js';

const money = (n: number) => n.toFixed(2);
const hourly = (n: number) => n.toFixed(4);
const percent = (part: number, whole: number) => (whole === 0 ? '0' : ((100 * part) / whole).toFixed(1));
const cpu = (millis: number) => `${Number((millis / 1000).toFixed(2))} CPU`;
const memory = (mib: number) => `${Number((mib / 1024).toFixed(2))} GiB`;

function nodesText(p: Placement): string {
  if (p.unplaceable.length > 0) return `no type fits ${p.unplaceable.join(', ')}`;
  if (p.nodes === 0) return '0';
  return `${p.nodes} × ${p.type}${p.overLimits ? ' (over the pool limits)' : ''}`;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i <= 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function requested(p: PoolCost): string {
  const cpuMillis = p.groups.reduce((sum, g) => sum + g.cpuMillis * g.replicas, 0);
  const memoryMiB = p.groups.reduce((sum, g) => sum + g.memoryMiB * g.replicas, 0);
  return p.groups.length === 0 ? '-' : `${cpu(cpuMillis)}, ${memory(memoryMiB)}`;
}

/** The report `roleplane cost` prints: a table per pool, the schedules' saving, the IPv4 charge avoided. */
export function renderCost(estimate: CostEstimate, heading: string): string {
  const { table: prices } = estimate;
  const month = prices.hoursPerMonth;
  const lines = [
    heading,
    `prices: ${prices.region}, ${prices.date}, ${prices.currency} per hour; a month is ${month} h`,
    ...Object.entries(prices.source).map(([what, source]) => `  ${what}: ${source}`),
    '',
  ];
  const rows: string[][] = [
    [
      'pool',
      'nodes always on',
      'capacity',
      'pods request',
      '$/hour',
      '$/month',
      'awake h/week',
      'nodes (mean)',
      '$/month scheduled',
    ],
  ];
  for (const p of estimate.pools) {
    const awake = p.schedules.map((name) => estimate.schedules.find((s) => s.name === name)!.awakeHours);
    rows.push([
      p.pool.name,
      nodesText(p.alwaysOn),
      p.alwaysOn.capacityType ?? '-',
      requested(p),
      hourly(p.alwaysOn.hourly),
      money(p.alwaysOn.hourly * month),
      awake.length === 0 ? `${HOURS_PER_WEEK}` : awake.join('/'),
      Number(p.nodesScheduled.toFixed(2)).toString(),
      money(p.hourlyScheduled * month),
    ]);
  }
  rows.push([
    'total',
    `${estimate.nodesAlwaysOn} nodes`,
    '',
    '',
    hourly(estimate.hourlyAlwaysOn),
    money(estimate.hourlyAlwaysOn * month),
    '',
    Number(estimate.nodesScheduled.toFixed(2)).toString(),
    money(estimate.hourlyScheduled * month),
  ]);
  lines.push(...table(rows), '');

  for (const s of estimate.schedules) {
    const when = s.spec.uptime !== undefined ? `up ${s.spec.uptime}` : `down ${s.spec.downtime ?? ''}`;
    lines.push(
      `Schedule ${s.name} (${when}, ${s.spec.timeZone ?? 'UTC'}): awake ${s.awakeHours} of ${HOURS_PER_WEEK} hours a week (${percent(s.awakeHours, HOURS_PER_WEEK)}%)`,
    );
    for (const p of estimate.pools.filter((pool) => pool.schedules.includes(s.name))) {
      const saved = (p.alwaysOn.hourly - p.hourlyScheduled) * month;
      lines.push(
        `  pool ${p.pool.name}: $${money(p.alwaysOn.hourly * month)} → $${money(p.hourlyScheduled * month)} a month, saves $${money(saved)} (${percent(saved, p.alwaysOn.hourly * month)}% of the pool; asleep it needs ${nodesText(p.asleep)} node(s))`,
      );
    }
  }
  const savedAll = (estimate.hourlyAlwaysOn - estimate.hourlyScheduled) * month;
  lines.push(
    `All schedules together save $${money(savedAll)} a month, ${percent(savedAll, estimate.hourlyAlwaysOn * month)}% of the always-on total.`,
  );

  const ipv6Pools = estimate.pools.filter((p) => p.pool.ipv6).map((p) => p.pool.name);
  const perAddressMonth = prices.publicIpv4PerHour * month;
  if (ipv6Pools.length > 0) {
    lines.push(
      `IPv6 on (pools ${ipv6Pools.join(', ')}): no public IPv4 address per node avoids $${prices.publicIpv4PerHour}/h ($${money(perAddressMonth)} a month) each: ` +
        `$${money(estimate.ipv4AvoidedAlwaysOn * month)} a month always on, $${money(estimate.ipv4AvoidedScheduled * month)} with the schedules.`,
    );
  } else {
    lines.push(
      `IPv6 off: with it on, nodes need no public IPv4 address, $${prices.publicIpv4PerHour}/h ($${money(perAddressMonth)} a month) each — $${money(estimate.nodesAlwaysOn * perAddressMonth)} a month for these nodes.`,
    );
  }
  lines.push('', 'Pods per pool (baseline replicas: the HPA minimum, else replicas; requests per pod):');
  for (const p of estimate.pools) {
    const pods = p.groups.map(
      (g) =>
        `${g.workload} ×${g.replicas} (${cpu(g.cpuMillis)}, ${memory(g.memoryMiB)}${g.schedule ? `, ${g.schedule}` : ''})`,
    );
    lines.push(`  ${p.pool.name}: ${pods.length > 0 ? pods.join('; ') : 'none'}`);
  }
  if (estimate.notCosted.length > 0)
    lines.push(`Not costed (run to completion, on the nodes above when they fit): ${estimate.notCosted.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
