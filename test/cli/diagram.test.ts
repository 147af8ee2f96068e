import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowedFlows, externalEndpoints } from '../../charts/inspect/network-graph.js';
import { diagramModel, runDiagramCommand } from '../../cli/diagram-command.js';
import { renderSvg } from '../../cli/diagram/render-svg.js';
import { renderMermaid } from '../../cli/diagram/render-text.js';
import { requireBinary } from '../helpers/binaries.js';
import { objectsOf } from '../helpers/manifests.js';
import { useTempDir } from '../helpers/temp-dir.js';

const README_PICTURE = join(import.meta.dirname, '..', '..', 'docs', 'stack.svg');

/** Every object of every environment: what the default diagram is drawn from, read here independently. */
const everything = () => [...objectsOf('prod'), ...objectsOf('staging'), ...objectsOf('dev')];

/**
 * Appended to the page in the test only: asks the browser where it drew each pool, workload and flow, and writes the
 * answer into the DOM for --dump-dom.
 */
const MEASURE = `<script>
const box = (el) => { const b = el.getBBox(); return [b.x, b.y, b.width, b.height]; };
const out = { pools: {}, workloads: {}, flows: {}, hours: [] };
for (const g of document.querySelectorAll('g.pool')) out.pools[g.dataset.pool] = box(g.querySelector('rect'));
for (const g of document.querySelectorAll('g.workload')) out.workloads[g.dataset.workload] = box(g.querySelector('rect'));
for (const g of document.querySelectorAll('g.flow')) {
  const length = g.querySelector('path').getTotalLength();
  for (const flow of g.dataset.flows.split('|')) out.flows[flow] = length;
}
for (const r of document.querySelectorAll('g.schedule rect.hour')) out.hours.push(r.dataset.state);
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>`;

interface Measured {
  pools: Record<string, [number, number, number, number]>;
  workloads: Record<string, [number, number, number, number]>;
  flows: Record<string, number>;
  hours: string[];
}

describe('roleplane diagram, rendered in headless chromium', function () {
  this.timeout(120_000);
  const tempDir = useTempDir('diagram');

  it('draws every NodePool, every workload inside its pool, every allowed flow and the week of each schedule', function () {
    const chromium = requireBinary(this, ['chromium', 'chromium-browser'], 'the diagram is checked in a real browser');
    const dir = tempDir();
    const html = join(dir, 'stack.html');
    assert.equal(runDiagramCommand({ out: html }).exitCode, 0);
    const page = join(dir, 'measured.html');
    writeFileSync(page, readFileSync(html, 'utf8').replace('</body>', `${MEASURE}\n</body>`));
    const result = spawnSync(
      chromium,
      ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${page}`],
      { encoding: 'utf8', timeout: 90_000 },
    );
    const match = /<pre id="measured">(.*?)<\/pre>/s.exec(result.stdout);
    assert.ok(match, `chromium printed no measurements (status ${result.status}):\n${result.stderr.slice(-2000)}`);
    const measured = JSON.parse(
      match[1]!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    ) as Measured;

    const objects = everything();
    const nodePools = objects.filter((o) => o.kind === 'NodePool').map((o) => o.metadata.name);
    assert.deepEqual(Object.keys(measured.pools).sort(), [...nodePools].sort());
    for (const [pool, [, , width, height]] of Object.entries(measured.pools))
      assert.ok(width > 0 && height > 0, `pool ${pool} has no area`);

    // Each workload's box lies inside the box of the pool its pods are pinned to.
    const model = diagramModel({});
    for (const pool of model.pools) {
      const [px, py, pw, ph] = measured.pools[pool.name]!;
      for (const w of pool.roles.flatMap((r) => r.workloads)) {
        const [x, y, width, height] = measured.workloads[w.id] ?? [];
        assert.ok(width !== undefined, `${w.id} not drawn`);
        assert.ok(
          x! >= px && y! >= py && x! + width <= px + pw && y! + height! <= py + ph,
          `${w.id} outside pool ${pool.name}`,
        );
      }
    }

    const flows = allowedFlows(objects, externalEndpoints('ingress-nginx'));
    assert.ok(flows.length > 20);
    assert.deepEqual(Object.keys(measured.flows).sort(), [...flows].sort());
    for (const flow of flows)
      assert.ok(measured.flows[flow]! > 10, `${flow} drawn with length ${measured.flows[flow]}`);

    // office-hours: 7 days × 24 hours, awake Mon-Fri 07:00-20:00.
    assert.equal(measured.hours.length, 168);
    assert.equal(measured.hours.filter((h) => h === 'awake').length, 65);
  });

  it('writes Mermaid with every pool as a subgraph and every flow as an arrow', () => {
    const mermaid = renderMermaid(diagramModel({}));
    for (const pool of ['erp', 'web', 'dev', 'search', 'cache'])
      assert.match(mermaid, new RegExp(`subgraph n_pool_${pool}\\["pool ${pool}"\\]`));
    assert.match(mermaid, /n_web_web -->\|"8080\/TCP"\| n_search_search/);
    assert.match(mermaid, /n_ingress_controller -->\|"8080\/TCP"\| n_dev_web/);
    assert.match(mermaid, /%% Mon 01-12 {2}\.{7}#{13}\.{4}/);
  });

  it('keeps the README picture (docs/stack.svg) the default stack as drawn now', () => {
    assert.equal(
      readFileSync(README_PICTURE, 'utf8'),
      renderSvg(diagramModel({})),
      'run: roleplane diagram --out docs/stack.svg',
    );
  });

  it('refuses an output it cannot write, naming the extensions', () => {
    const result = runDiagramCommand({ out: join(tempDir(), 'stack.png') });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /must end in \.svg, \.html or \.mmd \(got ".*stack\.png"\)/);
  });
});
