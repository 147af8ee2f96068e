import { drawWeekStrip, type WeekStrip } from '../../operator/schedule/week-strip.js';
import { escapeXml, renderSvg } from './render-svg.js';
import { EXTERNALS, type ExternalId, type StackModel } from './stack-model.js';

/** Mermaid ids are letters, digits and underscores. */
const mermaidId = (id: string) => `n_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
const quote = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

function stripLines(model: StackModel): string[] {
  return model.schedules.flatMap((s) => {
    const strip: WeekStrip = { timeZone: s.timeZone, days: s.days, today: -1, nowLocal: '' };
    return [
      `PowerSchedule ${s.name}: ${s.uptime !== undefined ? `awake ${s.uptime}` : `asleep ${s.downtime ?? ''}`} (${s.timeZone}); namespaces ${s.namespaces.join(', ') || 'none'}`,
      ...drawWeekStrip(strip, { awake: '#', asleep: '.', partial: '+', none: ' ', now: '' }),
    ];
  });
}

/** Mermaid flowchart text (for READMEs): pools as subgraphs, namespaces inside, flows as labelled arrows. */
export function renderMermaid(model: StackModel): string {
  const lines = ['flowchart LR', `  %% ${model.title}`];
  lines.push(`  cdn[${quote(`CDN: ${model.hosts.join(', ')}`)}]`);
  for (const id of ['ingress-controller', ...model.externals.filter((e) => e !== 'ingress-controller')] as ExternalId[])
    lines.push(
      `  ${mermaidId(id)}[${quote(id === 'ingress-controller' ? `${EXTERNALS[id]} (${model.ingressControllerNamespace})` : EXTERNALS[id])}]`,
    );
  lines.push(`  cdn -- HTTPS --> ${mermaidId('ingress-controller')}`);
  for (const pool of model.pools) {
    lines.push(`  subgraph ${mermaidId(`pool/${pool.name}`)}[${quote(`pool ${pool.name}`)}]`);
    for (const role of pool.roles) {
      lines.push(
        `    subgraph ${mermaidId(`ns/${pool.name}/${role.namespace}`)}[${quote(`namespace ${role.namespace}`)}]`,
      );
      for (const w of role.workloads) lines.push(`      ${mermaidId(w.id)}[${quote(`${w.kind} ${w.name}`)}]`);
      lines.push('    end');
    }
    lines.push('  end');
  }
  for (const a of model.arrows) {
    const style = a.to === 'kube-dns' ? '-.->' : '-->';
    lines.push(`  ${mermaidId(a.from)} ${style}|${quote(a.ports.join(', '))}| ${mermaidId(a.to)}`);
  }
  for (const line of stripLines(model)) lines.push(`  %% ${line}`);
  return `${lines.join('\n')}\n`;
}

/** A self-contained HTML page: the SVG, then every allowed flow and each schedule's week as text. */
export function renderHtml(model: StackModel): string {
  const flows = model.flows.map((f) => `<li><code>${escapeXml(f)}</code></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(model.title)}</title>
<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:16px;color:#263238}pre{background:#f5f5f5;padding:8px}</style>
</head>
<body>
${renderSvg(model)}
<h2>Allowed flows (${model.flows.length})</h2>
<ul id="flows">
${flows}
</ul>
<h2>Power schedules</h2>
<pre>${escapeXml(stripLines(model).join('\n'))}</pre>
</body>
</html>
`;
}
