/**
 * The seed's fault table, measured along the real request path of a running stack (stack.ts): under a bounded
 * load, one role at a time is broken — killed (SIGKILL, kept down for the window, as a crash before the restart)
 * or hung (its processes frozen with `podman pause`: connections are accepted by the kernel and never answered) —
 * and every request a visitor, the website or an ERP user sends is counted. Then the role is brought back and
 * probed ready before the next row. The seed's promises are checked per row: search down → every page that was in
 * the page cache is still served and every other page fails fast with a clear error; Valkey down or hung → no
 * search fails; web down → the ERP is unaffected; the operator killed mid-sleep → nothing lost.
 */
import { performance } from 'node:perf_hooks';
import { containerName, podman } from './podman.js';
import { runLoad, type Sample, type Summary, summarize, type Target } from './load.js';
import type { AlertState, StackPrometheus } from './prometheus.js';
import type { RunningStack } from './stack.js';

export interface FaultRow {
  readonly fault: string;
  /** Which requests the row counts: `cached page`, `uncached page`, `search API`, `ERP`, or the operator's. */
  readonly target: string;
  readonly summary: Summary;
  readonly expected: string;
  /** Empty when the expectation held. */
  readonly violations: string[];
  /** What Prometheus said about the fault's alert (on the fault's first row), when one watched. */
  readonly alert?: AlertOutcome;
  /** With nothing broken: the alerts active at the end of the row (none expected). */
  readonly activeAlerts?: string[];
}

/** When the fault's alert went pending and firing (seconds after the break) and resolved (after the restore). */
export interface AlertOutcome {
  readonly name: string;
  readonly pendingAfter?: number;
  readonly firingAfter?: number;
  readonly resolvedAfter?: number;
}

export interface FaultOptions {
  /** The catalog's product ids: their pages are the cached pages. */
  readonly productIds: readonly string[];
  readonly seconds: number;
  readonly concurrency: number;
  /** Longest a page that needs a down search may take to fail (a visitor's "fails fast"). */
  readonly failFastMs: number;
  /** Longest a search may take while Valkey is down or hung. */
  readonly searchBoundMs: number;
  /** A Prometheus scraping the stack with the synthesized rules: each fault's alert is watched. */
  readonly prometheus?: StackPrometheus;
  /** Longest wait for an alert to fire while the fault lasts, and to resolve once restored. */
  readonly alertTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

const CACHED_QUERIES = ['red running shoes', 'black leather boots', 'jeans', 'wool sweater', 'rain jacket'];

interface Roles {
  web: string;
  search: string;
  searchApi: string;
  erp: string;
}

function roles(stack: RunningStack): Roles {
  const searchPod = stack.pod('search').plan;
  const service = stack.routes.services.find((s) => s.name === 'search' && s.namespace === searchPod.namespace);
  // The search API as the website calls it: the Service's port on the pod (mapped to the target port as kube-proxy
  // would), not the container port.
  const port = service?.ports[0]?.port ?? 8080;
  return {
    web: stack.pod('web').url(8080),
    search: stack.pod('search').url(8080),
    searchApi: `http://${searchPod.ip}:${port}`,
    erp: stack.pod('erp').url(8069),
  };
}

let unique = 0;
function targets(r: Roles, productIds: readonly string[]): Record<string, Target[]> {
  return {
    'cached page': [
      ...productIds.map((id) => ({ kind: 'cached page', url: () => `${r.web}/products/${id}` })),
      ...CACHED_QUERIES.map((q) => ({ kind: 'cached page', url: () => `${r.web}/search?q=${encodeURIComponent(q)}` })),
    ],
    // A query nobody asked before: the page cache has nothing, so the page needs the website and search.
    'uncached page': [
      { kind: 'uncached page', url: () => `${r.web}/search?q=${encodeURIComponent(`shoes ${++unique}`)}` },
    ],
    'search API': CACHED_QUERIES.map((q, i) => ({
      kind: 'search API',
      url: () => `${r.searchApi}/search?q=${encodeURIComponent(i % 2 === 0 ? q : `${q} ${++unique}`)}`,
    })),
    ERP: [{ kind: 'ERP', url: () => `${r.erp}/web/health` }],
  };
}

/** Fills the page cache with the cached pages and checks a second request is a HIT. */
export async function warmPageCache(stack: RunningStack, productIds: readonly string[]): Promise<void> {
  const r = roles(stack);
  for (const target of targets(r, productIds)['cached page'] ?? []) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(target.url(), { signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`warming ${target.url()}: ${response.status}`);
      if (attempt === 1 && response.headers.get('x-cache-status') !== 'HIT')
        throw new Error(
          `warming ${target.url()}: the second request was ${response.headers.get('x-cache-status')}, not a HIT`,
        );
    }
  }
}

interface Fault {
  readonly name: string;
  readonly pod: string;
  readonly containers: readonly string[];
  readonly how: 'kill' | 'hang';
  /** The alert the fault must raise (README "Alerts"). */
  readonly alert: string;
  readonly measure: ReadonlyArray<{
    target: string;
    expected: string;
    check: (s: Summary, samples: Sample[]) => string[];
  }>;
}

async function breakRole(stack: RunningStack, fault: Fault): Promise<void> {
  const pod = stack.pod(fault.pod).plan.name;
  for (const c of fault.containers) {
    if (fault.how === 'kill') await stack.stopContainer(fault.pod, c);
    else await podman(['pause', containerName(pod, c)]);
  }
}

async function restoreRole(stack: RunningStack, fault: Fault): Promise<void> {
  const pod = stack.pod(fault.pod).plan.name;
  for (const c of fault.containers) {
    if (fault.how === 'kill') await stack.startContainer(fault.pod, c);
    else await podman(['unpause', containerName(pod, c)]);
  }
  await stack.waitReady(fault.pod);
}

/**
 * Waits until the operator holds its leader Lease: a new operator waits out a lease an earlier one left (15 s), and
 * until then it is rightly not ready (RoleplaneOperatorNotReady would be pending in the first row).
 */
export async function operatorLeads(stack: RunningStack, timeoutMs = 60_000): Promise<void> {
  const operator = stack.pods.find((p) => p.plan.name === 'roleplane-operator');
  if (!operator) return;
  const port = operator.plan.hostPorts.find((p) => p.name === 'metrics')?.containerPort ?? 8082;
  const url = `http://${operator.plan.ip}:${port}/metrics`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await fetch(url).then(
      (r) => r.text(),
      () => '',
    );
    if (/^roleplane_operator_is_leader(\{[^}]*\})? 1$/m.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the operator did not take its leader lease within ${timeoutMs / 1000} s`);
}

/** Polls Prometheus until the alert's state satisfies `want`: when it did (performance.now()), or undefined. */
async function awaitAlert(
  prometheus: StackPrometheus,
  name: string,
  want: (state: AlertState | undefined) => boolean,
  timeoutMs: number,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (want((await prometheus.alerts()).get(name))) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

/** Waits until search uses Valkey (at start, and again after a Valkey fault: it reconnects by itself). */
export async function searchCacheBack(stack: RunningStack, timeoutMs = 30_000): Promise<void> {
  const url = `${roles(stack).search}/metrics`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await (await fetch(url)).text();
    if (/^roleplane_search_cache_available 1$/m.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`search did not reconnect to Valkey within ${timeoutMs / 1000} s`);
}

const allOk = (s: Summary): string[] => (s.failed === 0 ? [] : [`${s.failed} of ${s.requests} failed`]);

function faults(options: FaultOptions): Fault[] {
  const failsFast = (s: Summary, samples: Sample[]): string[] => {
    const v: string[] = [];
    const slow = samples.filter((x) => x.ms > options.failFastMs).length;
    if (slow > 0) v.push(`${slow} waited over ${options.failFastMs} ms`);
    const unclear = samples.filter((x) => x.status !== 503 && x.status !== 504 && (x.status < 200 || x.status >= 400));
    if (unclear.length > 0)
      v.push(`${unclear.length} failed without a clear 503/504 (e.g. status ${unclear[0]?.status})`);
    if (s.requests === 0) v.push('no requests');
    return v;
  };
  const cachedServed = (s: Summary): string[] => [
    ...allOk(s),
    ...(s.fromCache === s.requests ? [] : [`${s.requests - s.fromCache} not from the cache`]),
  ];
  const searchBounded = (s: Summary): string[] => [
    ...allOk(s),
    ...(s.max <= options.searchBoundMs ? [] : [`slowest ${Math.round(s.max)} ms > ${options.searchBoundMs} ms`]),
  ];
  return [
    {
      name: 'search killed',
      alert: 'RoleplaneSearchDown',
      pod: 'search',
      containers: ['search'],
      how: 'kill',
      measure: [
        { target: 'cached page', expected: 'all served from the page cache', check: cachedServed },
        { target: 'uncached page', expected: `clear 503 within ${options.failFastMs} ms`, check: failsFast },
        { target: 'ERP', expected: 'unaffected', check: allOk },
      ],
    },
    {
      name: 'search hung',
      alert: 'RoleplaneSearchDown',
      pod: 'search',
      containers: ['search'],
      how: 'hang',
      measure: [
        { target: 'cached page', expected: 'all served from the page cache', check: cachedServed },
        { target: 'uncached page', expected: `clear 503 within ${options.failFastMs} ms`, check: failsFast },
      ],
    },
    {
      name: 'Valkey killed',
      alert: 'RoleplaneValkeyDown',
      pod: 'valkey-0',
      containers: ['valkey'],
      how: 'kill',
      measure: [
        { target: 'search API', expected: `none fail, none over ${options.searchBoundMs} ms`, check: searchBounded },
        { target: 'uncached page', expected: 'all served', check: allOk },
      ],
    },
    {
      name: 'Valkey hung',
      alert: 'RoleplaneValkeyDown',
      pod: 'valkey-0',
      containers: ['valkey'],
      how: 'hang',
      measure: [
        { target: 'search API', expected: `none fail, none over ${options.searchBoundMs} ms`, check: searchBounded },
        { target: 'uncached page', expected: 'all served', check: allOk },
      ],
    },
    {
      name: 'web killed',
      alert: 'RoleplaneWebDown',
      pod: 'web',
      containers: ['nginx', 'app'],
      how: 'kill',
      measure: [{ target: 'ERP', expected: 'unaffected', check: allOk }],
    },
  ];
}

async function measure(
  stack: RunningStack,
  options: FaultOptions,
  fault: string,
  wanted: Fault['measure'],
): Promise<FaultRow[]> {
  const all = targets(roles(stack), options.productIds);
  const mix = wanted.flatMap((w) => all[w.target] ?? []);
  const samples = await runLoad({
    targets: mix,
    seconds: options.seconds,
    concurrency: options.concurrency,
    requestTimeoutMs: 15_000,
  });
  return wanted.map((w) => {
    const mine = samples.filter((s) => s.kind === w.target);
    const summary = summarize(mine);
    return { fault, target: w.target, summary, expected: w.expected, violations: w.check(summary, mine) };
  });
}

/** The baseline and one row group per fault; the stack is whole again afterwards. */
export async function runFaultTable(stack: RunningStack, options: FaultOptions): Promise<FaultRow[]> {
  const log = options.log ?? (() => undefined);
  // The first row is a baseline: Valkey in use and the operator leading, as in a settled stack.
  await searchCacheBack(stack);
  await operatorLeads(stack);
  await warmPageCache(stack, options.productIds);
  const rows: FaultRow[] = [];
  const baseline = await measure(stack, options, 'nothing broken', [
    { target: 'cached page', expected: 'all served', check: allOk },
    { target: 'uncached page', expected: 'all served', check: allOk },
    { target: 'search API', expected: 'all served', check: allOk },
    { target: 'ERP', expected: 'all served', check: allOk },
  ]);
  const active = options.prometheus ? [...(await options.prometheus.alerts()).keys()].sort() : undefined;
  rows.push(...baseline.map((row, i) => (i === 0 && active ? { ...row, activeAlerts: active } : row)));
  for (const fault of faults(options)) {
    log(`faults: ${fault.name}`);
    const started = performance.now();
    const seconds = (from: number, at: number | undefined): number | undefined =>
      at === undefined ? undefined : Math.round((at - from) / 100) / 10;
    const prometheus = options.prometheus;
    const alertTimeoutMs = options.alertTimeoutMs ?? 60_000;
    await breakRole(stack, fault);
    let pendingAfter: number | undefined;
    let firingAfter: number | undefined;
    let resolvedAfter: number | undefined;
    try {
      const pending = prometheus
        ? awaitAlert(prometheus, fault.alert, (s) => s !== undefined, options.seconds * 1000 + alertTimeoutMs)
        : Promise.resolve(undefined);
      const measured = await measure(stack, options, fault.name, fault.measure);
      if (prometheus) {
        // The fault lasts until its alert fires (or the deadline): `for:` is part of what is measured.
        pendingAfter = seconds(started, await pending);
        firingAfter = seconds(
          started,
          await awaitAlert(prometheus, fault.alert, (s) => s === 'firing', alertTimeoutMs),
        );
      }
      rows.push(
        ...measured.map((row, i) =>
          i === 0 && prometheus ? { ...row, alert: { name: fault.alert, pendingAfter, firingAfter } } : row,
        ),
      );
    } finally {
      await restoreRole(stack, fault);
      if (fault.pod === 'valkey-0') await searchCacheBack(stack);
    }
    if (prometheus) {
      const restored = performance.now();
      resolvedAfter = seconds(
        restored,
        await awaitAlert(prometheus, fault.alert, (s) => s === undefined, alertTimeoutMs),
      );
      const first = rows.findIndex((r) => r.fault === fault.name);
      const row = rows[first];
      if (row?.alert) rows[first] = { ...row, alert: { ...row.alert, resolvedAfter } };
    }
    log(`faults: ${fault.name} done, restored in ${Math.round(performance.now() - started)} ms`);
  }
  return rows;
}

/** What the operator row measured. */
export interface OperatorRow {
  readonly workloads: number;
  readonly asleepWhenKilled: number;
  readonly asleepAfterRestart: number;
  readonly restoredExactly: number;
  readonly lost: string[];
}

export interface OperatorFaultOptions {
  readonly kubectl: (args: readonly string[], input?: string) => Promise<string>;
  /** The namespace the operator is to put to sleep (a PowerSchedule must manage it). */
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

interface Workload {
  kind: string;
  name: string;
  replicas?: number;
  suspend?: boolean;
  annotations: Record<string, string>;
}

async function workloads(kubectl: OperatorFaultOptions['kubectl'], namespace: string): Promise<Workload[]> {
  const list = JSON.parse(
    await kubectl(['get', 'deployments,statefulsets,cronjobs', '-n', namespace, '-o', 'json']),
  ) as {
    items: Array<{
      kind: string;
      metadata: { name: string; annotations?: Record<string, string> };
      spec: { replicas?: number; suspend?: boolean };
    }>;
  };
  return list.items.map((i) => ({
    kind: i.kind,
    name: i.metadata.name,
    ...(i.kind === 'CronJob' ? { suspend: i.spec.suspend ?? false } : { replicas: i.spec.replicas ?? 1 }),
    annotations: i.metadata.annotations ?? {},
  }));
}

const asleep = (w: Workload): boolean => (w.kind === 'CronJob' ? w.suspend === true : w.replicas === 0);

async function until<T>(what: string, timeoutMs: number, get: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Puts a namespace to sleep with the `asleep-until` override, kills the operator's container as soon as the first
 * workload changed, starts it again, lets it finish, then wakes the namespace with `awake-until` and compares every
 * workload with what it was before.
 */
export async function operatorKilledMidSleep(stack: RunningStack, options: OperatorFaultOptions): Promise<OperatorRow> {
  const { kubectl, namespace } = options;
  const log = options.log ?? (() => undefined);
  const before = await workloads(kubectl, namespace);
  if (before.length === 0) throw new Error(`namespace ${namespace} has no workloads to put to sleep`);
  const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await kubectl([
    'annotate',
    'namespace',
    namespace,
    '--overwrite',
    `roleplane.io/asleep-until=${future}`,
    'roleplane.io/awake-until-',
  ]);
  const first = await until(
    'a first workload asleep',
    options.timeoutMs,
    () => workloads(kubectl, namespace),
    (ws) => ws.some(asleep),
  );
  await stack.stopContainer('roleplane-operator', 'operator');
  const asleepWhenKilled = (await workloads(kubectl, namespace)).filter(asleep).length;
  log(
    `faults: operator killed with ${asleepWhenKilled} of ${before.length} asleep (first seen: ${first.filter(asleep).length})`,
  );
  await stack.startContainer('roleplane-operator', 'operator');
  const slept = await until(
    'every workload asleep',
    options.timeoutMs,
    () => workloads(kubectl, namespace),
    (ws) => ws.every(asleep),
  );
  await kubectl([
    'annotate',
    'namespace',
    namespace,
    '--overwrite',
    `roleplane.io/awake-until=${future}`,
    'roleplane.io/asleep-until-',
  ]);
  const same = (a: Workload, b: Workload): boolean => a.replicas === b.replicas && a.suspend === b.suspend;
  const restored = (ws: Workload[]): boolean =>
    before.every((b) => ws.some((w) => w.kind === b.kind && w.name === b.name && same(w, b)));
  // On a timeout the comparison below says what was not restored.
  const after = await until(
    'every workload awake',
    options.timeoutMs,
    () => workloads(kubectl, namespace),
    restored,
  ).catch(() => workloads(kubectl, namespace));
  await kubectl(['annotate', 'namespace', namespace, 'roleplane.io/awake-until-']);
  const lost: string[] = [];
  let restoredExactly = 0;
  for (const b of before) {
    const a = after.find((w) => w.kind === b.kind && w.name === b.name);
    if (!a) lost.push(`${b.kind} ${b.name} is gone`);
    else if (!same(a, b))
      lost.push(
        `${b.kind} ${b.name}: ${JSON.stringify({ replicas: b.replicas, suspend: b.suspend })} became ${JSON.stringify({ replicas: a.replicas, suspend: a.suspend })}`,
      );
    else restoredExactly++;
  }
  return {
    workloads: before.length,
    asleepWhenKilled,
    asleepAfterRestart: slept.filter(asleep).length,
    restoredExactly,
    lost,
  };
}

function cell(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

function alertCell(alert: AlertOutcome | undefined, active: string[] | undefined): string {
  if (active) return active.length === 0 ? 'none active' : `**active: ${active.join(', ')}**`;
  if (!alert) return '';
  const at = (label: string, s: number | undefined, after: string): string =>
    s === undefined ? `**not ${label}**` : `${label} ${s} s ${after}`;
  return `${alert.name}: ${at('pending', alert.pendingAfter, 'in')}, ${at('firing', alert.firingAfter, 'in')}, ${at('resolved', alert.resolvedAfter, 'after the restore')}`;
}

/** The table as the README shows it. */
export function formatFaultTable(rows: readonly FaultRow[], operator?: OperatorRow): string {
  const lines = [
    '| fault | requests to | requests | ok | from page cache | stale | failed | p50 ms | p99 ms | expected | held | alert |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
  ];
  for (const r of rows) {
    const s = r.summary;
    lines.push(
      `| ${r.fault} | ${r.target} | ${s.requests} | ${s.ok} | ${s.fromCache} | ${s.stale} | ${s.failed} | ${cell(s.p50)} | ${cell(s.p99)} | ${r.expected} | ${r.violations.length === 0 ? 'yes' : `**no**: ${r.violations.join('; ')}`} | ${alertCell(r.alert, r.activeAlerts)} |`,
    );
  }
  if (operator) {
    lines.push(
      `| operator killed mid-sleep | the namespace's ${operator.workloads} workloads | — | ${operator.restoredExactly} restored exactly | — | — | ${operator.lost.length} lost | — | — | asleep after restart, woken exactly | ${operator.lost.length === 0 && operator.asleepAfterRestart === operator.workloads ? 'yes' : `**no**: ${operator.lost.join('; ')}`} | — |`,
    );
  }
  return lines.join('\n');
}
