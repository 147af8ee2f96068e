/**
 * npm run demo:faults [-- --seconds 5 --concurrency 8 --json table.json]
 * Synthesizes prod (and dev, for the operator's namespace), starts a local control plane (tools/cluster) and the
 * prod stack as real containers (tools/stack), breaks one role at a time under load and prints the seed's fault
 * table. Exits 1 when a row does not hold. Needs root, podman, the roleplane image (`npm run image`) and the
 * stand-in images (`npm run stack:images`). A Prometheus (Debian's) scrapes the stack as the synthesized monitors say
 * and evaluates the synthesized rules: the table's last column is each fault's alert.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { clusterDown, clusterUp } from '../cluster/cli.js';
import { kubectl } from '../cluster/kubectl.js';
import { synth } from '../../cli/synth.js';
import { prepareControlPlane, SLEEP_NAMESPACE } from './control-plane.js';
import { formatFaultTable, operatorKilledMidSleep, runFaultTable } from './faults.js';
import { catalogIds, fixtureIndexInputs } from './inputs.js';
import { startPrometheus } from './prometheus.js';
import { readManifests, startStack } from './stack.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
const positive = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got "${raw}")`);
  return n;
};
const seconds = positive('seconds', values.seconds);
const concurrency = Math.round(positive('concurrency', values.concurrency));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const work = mkdtempSync(join(tmpdir(), 'roleplane-faults-'));
// A values file as a user would write one: scrape every second and page after 5 s instead of 30 s and 2 min, so an
// alert fires within a row. Everything else is the defaults.
const valuesFile = join(work, 'values.yaml');
writeFileSync(valuesFile, 'prod:\n  monitoring:\n    scrapeInterval: 1s\n    alerts: { downFor: 5s }\n');
const [prodDist, devDist] = synth({ environments: ['prod', 'dev'], outDir: join(work, 'dist'), valuesFile });
if (!prodDist || !devDist) throw new Error('synth wrote no prod or dev output');
const clusterDir = join(work, 'cluster');
const started = Date.now();
const cluster = await clusterUp({ dir: clusterDir, log, out: () => undefined });
const k = kubectl(cluster.binDir, cluster.kubeconfigPath);
const must = (args: readonly string[], input?: string): Promise<string> => k.must(args, input);
let failed: boolean;
try {
  await prepareControlPlane(must, prodDist, devDist);
  const indexInputs = fixtureIndexInputs();
  const stack = await startStack({
    distDir: prodDist,
    stateDir: join(work, 'stack'),
    indexInputs,
    controlPlane: { kubeconfigPath: cluster.kubeconfigPath, kubectl: must },
    log,
  });
  const prometheus = await startPrometheus(stack, readManifests(prodDist), join(work, 'prometheus')).catch(
    async (error: Error) => {
      await stack.stop();
      throw error;
    },
  );
  try {
    log(
      `faults: stack ready in ${stack.timings.readySeconds.toFixed(1)} s (index Job ${stack.timings.jobSeconds.toFixed(1)} s)`,
    );
    const rows = await runFaultTable(stack, {
      productIds: catalogIds(indexInputs.catalog),
      seconds,
      concurrency,
      failFastMs: 3000,
      searchBoundMs: 1000,
      prometheus,
      log,
    });
    const operator = await operatorKilledMidSleep(stack, {
      kubectl: must,
      namespace: SLEEP_NAMESPACE,
      timeoutMs: 60_000,
      log,
    });
    process.stdout.write(`${formatFaultTable(rows, operator)}\n`);
    process.stdout.write(
      `\n${seconds} s of load per row, ${concurrency} connections, loopback; the whole run took ${Math.round((Date.now() - started) / 1000)} s.\n`,
    );
    if (values.json) writeFileSync(values.json, JSON.stringify({ rows, operator }, null, 2));
    const silent = rows.filter((r) => r.alert && r.alert.firingAfter === undefined).map((r) => r.fault);
    if (silent.length > 0) log(`faults: no alert fired for ${silent.join(', ')}`);
    failed = rows.some((r) => r.violations.length > 0) || operator.lost.length > 0 || silent.length > 0;
  } finally {
    await prometheus.stop();
    await stack.stop();
  }
} finally {
  await clusterDown({ dir: clusterDir, log: () => undefined, out: () => undefined });
}
process.exitCode = failed ? 1 : 0;
