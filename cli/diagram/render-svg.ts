import type { HourState } from '../../operator/schedule/week-strip.js';
import { EXTERNALS, type ExternalId, type FlowArrow, type StackModel } from './stack-model.js';

/** Layout, in SVG units (px at 100%). */
const MARGIN = 30;
const POOL_WIDTH = 260;
const POOL_GAP = 70;
const POOL_HEAD = 34;
const ROLE_HEAD = 22;
const WORKLOAD_HEIGHT = 30;
const WORKLOAD_GAP = 8;
const EDGE_Y = 70;
const EDGE_HEIGHT = 46;
const POOLS_Y = 230;
const CELL = 14;

const COLOURS = {
  ingress: '#1565c0',
  dns: '#9e9e9e',
  outside: '#ef6c00',
  internal: '#37474f',
  awake: '#2e7d32',
  partial: '#a5d6a7',
  asleep: '#eceff1',
  none: '#ffffff',
} as const;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const centreY = (b: Box) => b.y + b.height / 2;
const centreX = (b: Box) => b.x + b.width / 2;

function arrowColour(a: FlowArrow): string {
  if (a.from === 'ingress-controller') return COLOURS.ingress;
  if (a.to === 'kube-dns') return COLOURS.dns;
  if (a.to === 'outside' || a.from === 'outside') return COLOURS.outside;
  return COLOURS.internal;
}

/** A cubic path between two boxes and the point to write its label at. */
function route(from: Box, to: Box, external: boolean, lane: number): { d: string; labelX: number; labelY: number } {
  let p0: [number, number];
  let p1: [number, number];
  let p2: [number, number];
  let p3: [number, number];
  if (from === to) {
    // A flow inside one workload (Valkey replicas to their primary): a loop on its right.
    const x = from.x + from.width;
    const y = centreY(from);
    p0 = [x, y - 6];
    p1 = [x + 40, y - 30];
    p2 = [x + 40, y + 30];
    p3 = [x, y + 6];
  } else if (external && to.y < from.y) {
    // Up to an endpoint above the pools (DNS, outside): leave on the right, arrive from below.
    p0 = [from.x + from.width, centreY(from)];
    p1 = [from.x + from.width + 30 + lane * 4, centreY(from)];
    p2 = [centreX(to), to.y + to.height + 80];
    p3 = [centreX(to), to.y + to.height];
  } else if (external) {
    // Down from the ingress controller: arrive on the workload's left edge.
    p0 = [centreX(from), from.y + from.height];
    p1 = [centreX(from), from.y + from.height + 90];
    p2 = [to.x - 60, centreY(to)];
    p3 = [to.x, centreY(to)];
  } else if (Math.abs(centreX(to) - centreX(from)) < 1) {
    // Two workloads of one pool, one above the other: an arc out to the right, into the gap between pools.
    const x = from.x + from.width;
    const bulge = 40 + (lane % 3) * 8;
    p0 = [x, centreY(from)];
    p1 = [x + bulge, centreY(from)];
    p2 = [x + bulge, centreY(to)];
    p3 = [x, centreY(to)];
  } else {
    const rightwards = centreX(to) >= centreX(from);
    p0 = [rightwards ? from.x + from.width : from.x, centreY(from)];
    p3 = [rightwards ? to.x : to.x + to.width, centreY(to)];
    const bend = rightwards ? 60 : -60;
    p1 = [p0[0] + bend, p0[1]];
    p2 = [p3[0] - bend, p3[1]];
  }
  const labelX = (p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8;
  const labelY = (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8;
  return { d: `M${p0.join(',')} C${p1.join(',')} ${p2.join(',')} ${p3.join(',')}`, labelX, labelY };
}

/** The stack as one self-contained SVG: pools with their workloads, the edge, the allowed flows, the schedules' weeks. */
export function renderSvg(model: StackModel): string {
  const parts: string[] = [];
  const boxes = new Map<string, Box>();
  const poolCount = Math.max(model.pools.length, 1);
  // Room on the right for the arcs between workloads of the last pool.
  const width = Math.max(MARGIN * 2 + poolCount * POOL_WIDTH + (poolCount - 1) * POOL_GAP + 60, 1000);

  // The edge: the CDN and the ingress controller, then the endpoints flows leave the cluster for.
  const edgeBoxes: Array<{ id: string; label: string; sub?: string }> = [
    { id: 'cdn', label: 'CDN', sub: model.hosts.join(', ') },
    {
      id: 'ingress-controller',
      label: EXTERNALS['ingress-controller'],
      sub: `namespace ${model.ingressControllerNamespace}`,
    },
  ];
  for (const id of model.externals.filter((e) => e !== 'ingress-controller'))
    edgeBoxes.push({ id, label: EXTERNALS[id as ExternalId] });
  const edgeWidth = 230;
  edgeBoxes.forEach((e, i) => {
    const x = i < 2 ? MARGIN + i * (edgeWidth + 80) : width - MARGIN - (edgeBoxes.length - i) * (edgeWidth + 30) + 30;
    const subLines = e.sub ? e.sub.split(', ') : [];
    const height = EDGE_HEIGHT + Math.max(subLines.length - 1, 0) * 14;
    const box = { x, y: EDGE_Y, width: edgeWidth, height };
    boxes.set(e.id, box);
    parts.push(
      `<g class="edge" data-edge="${escapeXml(e.id)}"><rect x="${x}" y="${EDGE_Y}" width="${edgeWidth}" height="${height}" rx="8" fill="#fff8e1" stroke="#8d6e63"/>` +
        `<text x="${x + edgeWidth / 2}" y="${EDGE_Y + 20}" text-anchor="middle" font-weight="bold">${escapeXml(e.label)}</text>` +
        subLines
          .map(
            (line, n) =>
              `<text x="${x + edgeWidth / 2}" y="${EDGE_Y + 37 + n * 14}" text-anchor="middle" font-size="11">${escapeXml(line)}</text>`,
          )
          .join('') +
        '</g>',
    );
  });
  const cdn = boxes.get('cdn')!;
  const controller = boxes.get('ingress-controller')!;
  parts.push(
    `<g class="edge-link"><path d="M${cdn.x + cdn.width},${EDGE_Y + 23} L${controller.x},${EDGE_Y + 23}" stroke="${COLOURS.ingress}" stroke-width="2" fill="none" marker-end="url(#arrow)"/>` +
      `<text x="${(cdn.x + cdn.width + controller.x) / 2}" y="${EDGE_Y + 17}" text-anchor="middle" font-size="11">HTTPS (Ingress)</text></g>`,
  );

  // Pools side by side, each namespace a band with its workloads.
  let poolsBottom = POOLS_Y;
  model.pools.forEach((pool, i) => {
    const x = MARGIN + i * (POOL_WIDTH + POOL_GAP);
    const inner: string[] = [];
    let y = POOLS_Y + POOL_HEAD;
    for (const role of pool.roles) {
      inner.push(
        `<text x="${x + 14}" y="${y + 15}" font-size="12" fill="#455a64">namespace ${escapeXml(role.namespace)}</text>`,
      );
      y += ROLE_HEAD;
      for (const w of role.workloads) {
        const box = { x: x + 14, y, width: POOL_WIDTH - 28, height: WORKLOAD_HEIGHT };
        boxes.set(w.id, box);
        inner.push(
          `<g class="workload" data-workload="${escapeXml(w.id)}"><rect x="${box.x}" y="${y}" width="${box.width}" height="${WORKLOAD_HEIGHT}" rx="5" fill="#ffffff" stroke="#78909c"/>` +
            `<text x="${box.x + 10}" y="${y + 19}" font-size="12">${escapeXml(`${w.kind} ${w.name}`)}</text></g>`,
        );
        y += WORKLOAD_HEIGHT + WORKLOAD_GAP;
      }
      y += 6;
    }
    const height = Math.max(y - POOLS_Y + 6, 90);
    poolsBottom = Math.max(poolsBottom, POOLS_Y + height);
    parts.push(
      `<g class="pool" data-pool="${escapeXml(pool.name)}"><rect x="${x}" y="${POOLS_Y}" width="${POOL_WIDTH}" height="${height}" rx="10" fill="#e3f2fd" stroke="#1e88e5" stroke-width="2"/>` +
        `<text x="${x + 14}" y="${POOLS_Y + 22}" font-weight="bold" font-size="15">pool ${escapeXml(pool.name)}</text>${inner.join('')}</g>`,
    );
  });

  // Flows, under the labels.
  const flowParts: string[] = [];
  model.arrows.forEach((arrow, lane) => {
    const from = boxes.get(arrow.from);
    const to = boxes.get(arrow.to);
    if (!from || !to) throw new Error(`nothing drawn for an end of ${arrow.from} -> ${arrow.to}`);
    const external = arrow.from in EXTERNALS || arrow.to in EXTERNALS;
    const { d, labelX, labelY } = route(from, to, external, lane);
    const colour = arrowColour(arrow);
    const dashed = arrow.to === 'kube-dns' ? ' stroke-dasharray="4 3"' : '';
    flowParts.push(
      `<g class="flow" data-from="${escapeXml(arrow.from)}" data-to="${escapeXml(arrow.to)}" data-flows="${escapeXml(arrow.flows.join('|'))}">` +
        `<path d="${d}" stroke="${colour}" stroke-width="${arrow.to === 'kube-dns' ? 1 : 2}" fill="none"${dashed} marker-end="url(#arrow)"/>` +
        (arrow.to === 'kube-dns'
          ? ''
          : `<text x="${labelX}" y="${labelY - 4}" text-anchor="middle" font-size="11" fill="${colour}" paint-order="stroke" stroke="#ffffff" stroke-width="3">${escapeXml(arrow.ports.join(', '))}</text>`) +
        '</g>',
    );
  });

  // Each PowerSchedule's week: seven rows of 24 wall-clock hours.
  const scheduleParts: string[] = [];
  let y = poolsBottom + 70;
  for (const s of model.schedules) {
    const when = s.uptime !== undefined ? `awake ${s.uptime}` : `asleep ${s.downtime ?? ''}`;
    scheduleParts.push(
      `<g class="schedule" data-schedule="${escapeXml(s.name)}"><text x="${MARGIN}" y="${y}" font-weight="bold">PowerSchedule ${escapeXml(s.name)}: ${escapeXml(when)} (${escapeXml(s.timeZone)}); namespaces ${escapeXml(s.namespaces.join(', ') || 'none')}</text>`,
    );
    y += 12;
    for (let hour = 0; hour < 24; hour += 3)
      scheduleParts.push(
        `<text x="${MARGIN + 40 + hour * CELL}" y="${y + 10}" font-size="10" fill="#607d8b">${String(hour).padStart(2, '0')}</text>`,
      );
    y += 16;
    for (const day of s.days) {
      scheduleParts.push(`<text x="${MARGIN}" y="${y + 11}" font-size="11">${day.weekday}</text>`);
      day.hours.forEach((state: HourState, hour) => {
        scheduleParts.push(
          `<rect class="hour" data-day="${day.weekday}" data-hour="${hour}" data-state="${state}" x="${MARGIN + 40 + hour * CELL}" y="${y}" width="${CELL - 1}" height="${CELL - 1}" fill="${COLOURS[state]}" stroke="#cfd8dc" stroke-width="0.5"/>`,
        );
      });
      y += CELL;
    }
    scheduleParts.push('</g>');
    y += 30;
  }
  const legendY = model.schedules.length > 0 ? y : poolsBottom + 60;
  const legend = [
    [COLOURS.ingress, 'from the ingress controller'],
    [COLOURS.internal, 'between workloads'],
    [COLOURS.outside, 'to outside the cluster'],
    [COLOURS.dns, 'DNS (dashed)'],
    [COLOURS.awake, 'awake hour'],
    [COLOURS.asleep, 'asleep hour'],
  ]
    .map(
      ([colour, text], i) =>
        `<rect x="${MARGIN + i * 170}" y="${legendY}" width="12" height="12" fill="${colour}"/><text x="${MARGIN + i * 170 + 18}" y="${legendY + 11}" font-size="11">${text}</text>`,
    )
    .join('');
  const height = legendY + 40;

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${MARGIN}" y="36" font-size="20" font-weight="bold">${escapeXml(model.title)}</text>
<text x="${MARGIN}" y="56" font-size="12" fill="#607d8b">Drawn from the synthesized manifests: NodePools, workloads, the flows the NetworkPolicies allow, Ingress hosts, PowerSchedules.</text>
${parts.join('\n')}
${flowParts.join('\n')}
${scheduleParts.join('\n')}
<g class="legend">${legend}</g>
</svg>
`;
}
