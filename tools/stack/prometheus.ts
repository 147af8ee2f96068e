/**
 * A real Prometheus (Debian's `prometheus`) beside the stack, scraping the pods as the synthesized ServiceMonitors
 * and PodMonitors describe them (tools/prometheus turns those into static scrape configs, with each target at its
 * pod's IP) and evaluating the synthesized PrometheusRules, so the fault table can show which alert each fault
 * raised. The Prometheus Operator is not built here; the translation is tested in test/tools/prometheus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Manifest } from '../../charts/synth.js';
import { ruleGroupsOf } from '../prometheus/rule-file.js';
import { type EndpointRef, prometheusConfig, scrapeConfigs } from '../prometheus/scrape-configs.js';
import type { KubeObject } from './pods.js';
import { freePort, type RunningStack } from './stack.js';

export type AlertState = 'pending' | 'firing';

export interface StackPrometheus {
  readonly url: string;
  /** Every active alert by name, with its strongest state. */
  alerts(): Promise<Map<string, AlertState>>;
  stop(): Promise<void>;
}

/** Where a monitor's endpoint is in the stack: its Service's pod, or its workload's pod. */
function addressIn(stack: RunningStack): (e: EndpointRef) => string | undefined {
  return (e) => {
    const service = stack.routes.services.find((s) => s.namespace === e.namespace && s.name === e.name);
    const pod = service?.pod
      ? stack.pods.find((p) => p.plan.key === service.pod)
      : stack.pods.find((p) => p.plan.source.endsWith(` ${e.namespace}/${e.name}`));
    return pod ? `${pod.plan.ip}:${e.containerPort}` : undefined;
  };
}

export async function startPrometheus(
  stack: RunningStack,
  objects: readonly KubeObject[],
  dir: string,
  options: { binary?: string; readyTimeoutMs?: number } = {},
): Promise<StackPrometheus> {
  const manifests = objects as unknown as Manifest[];
  const configs = scrapeConfigs(manifests, addressIn(stack));
  if (configs.length === 0)
    throw new Error('no ServiceMonitor or PodMonitor among the manifests (monitoring.alerting off?)');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, stringify({ groups: ruleGroupsOf(manifests) }));
  const config = join(dir, 'prometheus.yml');
  // The synthesized scrape interval is kept (the demo's values set it); rules are evaluated every second.
  writeFileSync(config, stringify(prometheusConfig(configs, { ruleFiles: [rules], evaluationInterval: '1s' })));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    options.binary ?? 'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within the deadline: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The table's first row must not see alerts of targets merely not scraped yet (`absent(up)` is true until then).
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
      data: { activeTargets: Array<{ health: string; scrapeUrl: string; lastError: string }> };
    };
    const down = body.data.activeTargets.filter((t) => t.health !== 'up');
    if (body.data.activeTargets.length > 0 && down.length === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`targets not up: ${down.map((t) => `${t.scrapeUrl} (${t.lastError || t.health})`).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    alerts: async () => {
      const body = (await (await fetch(`${url}/api/v1/alerts`)).json()) as {
        data: { alerts: Array<{ labels: { alertname: string }; state: string }> };
      };
      const states = new Map<string, AlertState>();
      for (const a of body.data.alerts) {
        if (a.state !== 'pending' && a.state !== 'firing') continue;
        if (states.get(a.labels.alertname) !== 'firing') states.set(a.labels.alertname, a.state);
      }
      return states;
    },
    stop,
  };
}
