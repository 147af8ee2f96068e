/**
 * kube-downscaler's configuration → PowerSchedules, exclusions and overrides. Pure: the cluster's namespaces and
 * workloads come in as plain objects, with the instant to judge time-bound annotations at.
 *
 * What kube-downscaler does (py-kube-downscaler's scaler.py), and what each part becomes:
 * - A namespace's schedule is its `downscaler/uptime`/`downtime` annotation, else the Deployment's default; it is
 *   up when it matches uptime and does not match downtime. Namespaces whose effective schedule is the same (with
 *   the same downtime replicas) are grouped into one PowerSchedule that lists them by name. A namespace that never
 *   goes down (`always`/`never`) gets none.
 * - `downscaler/exclude` (any value but `false`) → label `roleplane.io/exclude=true`, on a namespace or a workload;
 *   `--exclude-deployments` names and kinds outside `--include-resources` become workload exclusions too, so
 *   roleplane leaves alone exactly what kube-downscaler left alone.
 * - A namespace's `exclude-until`, `force-uptime` or `force-downtime` in force now with a known end →
 *   `roleplane.io/awake-until` / `asleep-until` until that end.
 * Every other thing is listed with why it cannot be carried over; every string is checked with roleplane's own
 * grammar (which reads kube-downscaler's strings as kube-downscaler does) and a bad one is reported by name.
 */
import { ASLEEP_UNTIL_ANNOTATION, AWAKE_UNTIL_ANNOTATION, API_VERSION, EXCLUDE_LABEL, KIND } from '../api/keys.js';
import {
  DEFAULT_GRACE_PERIOD,
  type PowerSchedule,
  type PowerScheduleSpec,
  type WorkloadKind,
} from '../api/power-schedule.js';
import { selects } from '../controller/select-namespaces.js';
import { parseSchedule, parseTimespan, ScheduleSyntaxError, type TimespanRule } from '../schedule/grammar.js';
import type { DownscalerSettings, Setting } from './downscaler-settings.js';

/** kube-downscaler's annotation keys (py-kube-downscaler, scaler.py). */
export const DOWNSCALER = {
  uptime: 'downscaler/uptime',
  downtime: 'downscaler/downtime',
  exclude: 'downscaler/exclude',
  excludeUntil: 'downscaler/exclude-until',
  forceUptime: 'downscaler/force-uptime',
  forceDowntime: 'downscaler/force-downtime',
  downtimeReplicas: 'downscaler/downtime-replicas',
  upscalePeriod: 'downscaler/upscale-period',
  downscalePeriod: 'downscaler/downscale-period',
  originalReplicas: 'downscaler/original-replicas',
} as const;

/** Marks the objects this migration writes, so a re-run recognises its own schedules. */
export const MIGRATED_FROM_LABEL = 'roleplane.io/migrated-from';

export interface NamespaceInput {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface WorkloadInput {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PowerScheduleManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: PowerScheduleSpec;
}

/** Labels and annotations to set on an existing object (server-side apply of these fields only). */
export interface MetadataPatch {
  readonly apiVersion: string;
  readonly kind: 'Namespace' | WorkloadKind;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export interface MigrationPlan {
  readonly schedules: readonly PowerScheduleManifest[];
  readonly patches: readonly MetadataPatch[];
  /** Values kube-downscaler or roleplane's grammar refuses, each naming the object, the key and the value. */
  readonly invalid: readonly string[];
  /** What has no roleplane counterpart, and why. */
  readonly notCarried: readonly string[];
  /** What is carried over with a difference worth knowing. */
  readonly differences: readonly string[];
}

export interface MigrationInput {
  readonly settings: DownscalerSettings;
  readonly namespaces: readonly NamespaceInput[];
  readonly workloads: readonly WorkloadInput[];
  readonly now: Date;
  /** PowerSchedules already in the cluster (those of an earlier migration are recognised by their label). */
  readonly existingSchedules?: readonly PowerSchedule[];
}

const KIND_RESOURCE: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  CronJob: 'cronjobs',
};
const API_OF: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  CronJob: 'batch/v1',
};

/** `exclude-until` formats py-kube-downscaler accepts, all read as UTC (scaler.py TIMESTAMP_FORMATS). */
const EXCLUDE_UNTIL_FORMATS = [
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/,
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/,
  /^(\d{4})-(\d{2})-(\d{2})$/,
];

/** An `exclude-until` value as an instant, or undefined when no format fits or the date does not exist. */
export function parseExcludeUntil(text: string): Date | undefined {
  for (const format of EXCLUDE_UNTIL_FORMATS) {
    const m = format.exec(text);
    if (!m) continue;
    const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0));
    const date = new Date(Date.UTC(y!, mo! - 1, d, h ?? 0, mi ?? 0, s ?? 0));
    const fits =
      date.getUTCFullYear() === y &&
      date.getUTCMonth() === mo! - 1 &&
      date.getUTCDate() === d &&
      (h ?? 0) < 24 &&
      (mi ?? 0) < 60 &&
      (s ?? 0) < 60;
    return fits ? date : undefined;
  }
  return undefined;
}

const rfc3339 = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `900` seconds → `15m`; whole hours and minutes are written as such. */
export function gracePeriodOf(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const isFalse = (value: string | undefined): boolean => value === undefined || value.toLowerCase() === 'false';

const quote = (value: string): string => JSON.stringify(value);

/** A namespace's effective kube-downscaler settings, each checked: what its workloads inherit. */
interface Effective {
  readonly uptime: Checked;
  readonly downtime: Checked;
  readonly downtimeReplicas: number;
  /** True when all three are the Deployment's defaults, unchanged by namespace annotations. */
  readonly isDefault: boolean;
}

interface Checked {
  readonly text: string;
  readonly rules: readonly TimespanRule[];
}

class Findings {
  readonly invalid: string[] = [];
  readonly notCarried: string[] = [];
  readonly differences: string[] = [];
}

/**
 * Checks a kube-downscaler timespan with roleplane's grammar, plus the two places kube-downscaler is stricter or
 * reads a short form differently: an item without a zone is refused unless DEFAULT_TIMEZONE is set, and an item
 * without days means DEFAULT_WEEKFRAME's days there (every day in roleplane), so the days are written out.
 * Returns the text to carry, or undefined after recording why it is invalid.
 */
function checkTimespan(
  text: string,
  where: string,
  settings: DownscalerSettings,
  findings: Findings,
): { text: string; rules: readonly TimespanRule[] } | undefined {
  let rules: readonly TimespanRule[];
  try {
    rules = parseTimespan(text);
  } catch (err) {
    if (!(err instanceof ScheduleSyntaxError)) throw err;
    findings.invalid.push(`${where} ${quote(text)}: ${err.message}`);
    return undefined;
  }
  const items: string[] = [];
  for (const rule of rules) {
    if (rule.kind !== 'weekly') {
      items.push(rule.text);
      continue;
    }
    if (rule.timeZone === undefined && settings.defaultTimeZone === undefined) {
      findings.invalid.push(
        `${where} ${quote(text)}: ${quote(rule.text)} names no time zone, which kube-downscaler refuses without DEFAULT_TIMEZONE (it never acted on it)`,
      );
      return undefined;
    }
    const hasDays = !/^\d/.test(rule.text);
    if (hasDays) items.push(rule.text);
    else if (settings.defaultWeekframe !== undefined) items.push(`${settings.defaultWeekframe.value} ${rule.text}`);
    else {
      findings.invalid.push(
        `${where} ${quote(text)}: ${quote(rule.text)} names no days, which kube-downscaler refuses without DEFAULT_WEEKFRAME (it never acted on it)`,
      );
      return undefined;
    }
  }
  const carried = items.join(',');
  if (carried !== text) {
    // The written-out form must read as roleplane's grammar too.
    try {
      return { text: carried, rules: parseTimespan(carried) };
    } catch (err) {
      if (!(err instanceof ScheduleSyntaxError)) throw err;
      findings.invalid.push(`${where} ${quote(text)} with ${settings.defaultWeekframe?.origin}: ${err.message}`);
      return undefined;
    }
  }
  return { text, rules };
}

const isConstant = (rules: readonly TimespanRule[], kind: 'always' | 'never'): boolean =>
  rules.length > 0 && rules.every((r) => r.kind === kind);

function parseReplicas(setting: Setting, where: string, findings: Findings): number | undefined {
  if (!/^\d+$/.test(setting.value.trim())) {
    findings.invalid.push(
      `${where} ${quote(setting.value)}: downtime replicas must be a whole number of replicas (kube-downscaler fails on it too)`,
    );
    return undefined;
  }
  return Number(setting.value.trim());
}

/**
 * What a `force-uptime`/`force-downtime` value on a namespace becomes: an override until its end when it is in
 * force now and ends, nothing when it is off or over, and otherwise a line saying why not.
 */
function forcedOverride(
  value: string,
  where: string,
  annotation: string,
  settings: DownscalerSettings,
  now: Date,
  findings: Findings,
): Date | 'excluded' | undefined {
  const lower = value.toLowerCase();
  if (lower === 'false' || lower === '') return undefined;
  const isUp = annotation === AWAKE_UNTIL_ANNOTATION;
  if (lower === 'true') {
    if (isUp) {
      findings.differences.push(
        `${where} "true": roleplane has no open-ended wake; the namespace is excluded instead (${EXCLUDE_LABEL}=true), which keeps it as it is; remove the label to let its schedule act`,
      );
      return 'excluded';
    }
    findings.notCarried.push(
      `${where} "true": roleplane has no open-ended sleep; use \`roleplane sleep <namespace> --for <duration>\` or a schedule of "never" uptime`,
    );
    return undefined;
  }
  const checked = checkTimespan(value, where, settings, findings);
  if (!checked) return undefined;
  const t = now.getTime();
  const absolute = checked.rules.filter((r) => r.kind === 'absolute');
  if (absolute.length !== checked.rules.length) {
    findings.notCarried.push(
      `${where} ${quote(value)}: a recurring forced period has no roleplane counterpart (overrides run from now to one end); fold it into the namespace's uptime or downtime by hand`,
    );
    return undefined;
  }
  const active = absolute.filter((r) => r.startMs <= t && t < r.endMs);
  if (active.length === 0) {
    if (absolute.every((r) => r.endMs <= t)) return undefined; // Over: nothing to carry.
    findings.notCarried.push(
      `${where} ${quote(value)}: starts later; roleplane's overrides start when they are set, so set ${annotation} then`,
    );
    return undefined;
  }
  const end = Math.max(...active.map((r) => r.endMs));
  if (!Number.isFinite(end)) {
    findings.differences.push(
      `${where} ${quote(value)}: open-ended; excluded instead (${EXCLUDE_LABEL}=true), which keeps the namespace as it is`,
    );
    return isUp ? 'excluded' : undefined;
  }
  return new Date(end);
}

/** The effective settings of a namespace, from its annotations over the Deployment's defaults. */
function namespaceEffective(
  ns: NamespaceInput,
  settings: DownscalerSettings,
  findings: Findings,
): Effective | undefined {
  const annotations = ns.annotations ?? {};
  const pick = (key: string, fallback: Setting): { setting: Setting; where: string } =>
    annotations[key] !== undefined
      ? { setting: { value: annotations[key], origin: key }, where: `namespace ${ns.name}: ${key}` }
      : { setting: fallback, where: `namespace ${ns.name} (no ${key}): ${fallback.origin}` };

  for (const period of [
    pick(DOWNSCALER.upscalePeriod, settings.upscalePeriod),
    pick(DOWNSCALER.downscalePeriod, settings.downscalePeriod),
  ]) {
    if (period.setting.value.toLowerCase() !== 'never') {
      findings.notCarried.push(
        `${period.where} ${quote(period.setting.value)}: upscale/downscale periods (scale once inside a period, else leave alone) have no roleplane counterpart; namespace ${ns.name} gets no PowerSchedule`,
      );
      return undefined;
    }
  }
  const uptime = pick(DOWNSCALER.uptime, settings.defaultUptime);
  const downtime = pick(DOWNSCALER.downtime, settings.defaultDowntime);
  const replicas = pick(DOWNSCALER.downtimeReplicas, settings.downtimeReplicas);
  const checkedUp = checkTimespan(uptime.setting.value, uptime.where, settings, findings);
  const checkedDown = checkTimespan(downtime.setting.value, downtime.where, settings, findings);
  const downtimeReplicas = parseReplicas(replicas.setting, replicas.where, findings);
  if (!checkedUp || !checkedDown || downtimeReplicas === undefined) return undefined;
  const isDefault = [DOWNSCALER.uptime, DOWNSCALER.downtime, DOWNSCALER.downtimeReplicas].every(
    (key) => annotations[key] === undefined,
  );
  return { uptime: checkedUp, downtime: checkedDown, downtimeReplicas, isDefault };
}

/** Whether these settings ever take workloads down. */
const goesDown = (uptime: Checked, downtime: Checked): boolean =>
  !(isConstant(uptime.rules, 'always') && isConstant(downtime.rules, 'never'));

/** The PowerSchedule spec for a namespace's settings, or undefined (with a line) when one cannot say the same. */
function specOf(
  name: string,
  effective: Effective,
  settings: DownscalerSettings,
  findings: Findings,
): PowerScheduleSpec | undefined {
  const upAlways = isConstant(effective.uptime.rules, 'always');
  const downNever = isConstant(effective.downtime.rules, 'never');
  if (!upAlways && !downNever) {
    findings.notCarried.push(
      `namespace ${name}: uptime ${quote(effective.uptime.text)} and downtime ${quote(effective.downtime.text)} are both set; a PowerSchedule takes one of the two, so the namespace gets none; write its awake time as one uptime by hand`,
    );
    return undefined;
  }
  const grace = Number(settings.gracePeriodSeconds.value);
  const spec: PowerScheduleSpec = {
    ...(settings.defaultTimeZone ? { timeZone: settings.defaultTimeZone.value } : {}),
    ...(upAlways ? { downtime: effective.downtime.text } : { uptime: effective.uptime.text }),
    downtimeReplicas: effective.downtimeReplicas,
    ...(Number.isInteger(grace) && grace >= 0 && gracePeriodOf(grace) !== DEFAULT_GRACE_PERIOD
      ? { gracePeriod: gracePeriodOf(grace) }
      : {}),
  };
  // The whole spec must read as a PowerSchedule (the zone included), as the operator will read it.
  try {
    parseSchedule(spec);
  } catch (err) {
    if (!(err instanceof ScheduleSyntaxError)) throw err;
    findings.invalid.push(`namespace ${name}: ${err.message}`);
    return undefined;
  }
  return spec;
}

/** Compiles `--exclude-namespaces` (Python regular expressions, each matched against the whole name). */
function namespaceExclusions(settings: DownscalerSettings, findings: Findings): RegExp[] {
  const patterns: RegExp[] = [];
  for (const pattern of settings.excludeNamespaces.value.split(',').filter((p) => p !== '')) {
    try {
      patterns.push(new RegExp(`^(?:${pattern})$`));
    } catch (err) {
      findings.invalid.push(
        `${settings.excludeNamespaces.origin}: ${quote(pattern)} is not a regular expression (${(err as Error).message})`,
      );
    }
  }
  return patterns;
}

const OTHER_FLAG_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/^--dry-run/, 'kube-downscaler changed nothing in this cluster; the PowerSchedules will act'],
  [/^--deployment-time-annotation/, 'roleplane counts the grace period from creation only'],
  [/^--upscale-target-only/, 'roleplane wakes every managed workload of a namespace'],
  [/^--admission-controller/, 'roleplane does not block Jobs at admission'],
  [/^--enable-events/, 'roleplane always writes Events (Slept, Woke), so nothing is lost'],
  [
    /^--(interval|once|debug|-d|json-logs|api-server-timeout|max-retries-on-conflict|max-retries-on-throttling|qps|burst)\b|^-d$/,
    "roleplane acts on watches and timers with its own settings (README, the operator's flags)",
  ],
];

/** The plan for one cluster. */
export function mapKubeDownscaler(input: MigrationInput): MigrationPlan {
  const { settings, now } = input;
  const findings = new Findings();
  findings.invalid.push(...settings.unreadable);

  for (const flag of settings.otherFlags) {
    const reason = OTHER_FLAG_REASONS.find(([pattern]) => pattern.test(flag.origin))?.[1];
    findings.notCarried.push(
      `${settings.source}: ${flag.origin}: ${reason ?? 'no roleplane counterpart known to this migration'}`,
    );
  }
  if (settings.matchingLabels.value !== '') {
    findings.notCarried.push(
      `${settings.source}: ${settings.matchingLabels.origin}=${settings.matchingLabels.value}: roleplane has no label filter for workloads; label the others ${EXCLUDE_LABEL}=true`,
    );
  }
  const included = new Set(
    settings.includeResources.value
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== ''),
  );
  for (const resource of [...included].sort()) {
    if (!Object.values(KIND_RESOURCE).includes(resource))
      findings.notCarried.push(
        `${settings.source}: ${settings.includeResources.origin} includes ${resource}: roleplane scales Deployments and StatefulSets and suspends CronJobs only${resource === 'horizontalpodautoscalers' ? ' (an HPA-managed Deployment goes to 0, which stops its HPA)' : ''}`,
      );
  }
  if (settings.gracePeriodSeconds.value !== '' && !/^\d+$/.test(settings.gracePeriodSeconds.value)) {
    findings.invalid.push(
      `${settings.gracePeriodSeconds.origin} ${quote(settings.gracePeriodSeconds.value)}: must be whole seconds`,
    );
  }
  if (settings.gracePeriodSeconds.value !== '900' && /^\d+$/.test(settings.gracePeriodSeconds.value)) {
    findings.differences.push(
      `${settings.gracePeriodSeconds.origin}=${settings.gracePeriodSeconds.value} → gracePeriod ${gracePeriodOf(Number(settings.gracePeriodSeconds.value))}: roleplane gives it only to workloads created while their namespace was asleep`,
    );
  }

  const excludedPatterns = namespaceExclusions(settings, findings);
  const constrained = settings.namespaces.value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const inScope = (name: string) =>
    (constrained.length === 0 || constrained.includes(name)) && !excludedPatterns.some((p) => p.test(name));

  const patches = new Map<
    string,
    { base: MetadataPatch; labels: Record<string, string>; annotations: Record<string, string> }
  >();
  const patch = (kind: MetadataPatch['kind'], name: string, namespace?: string) => {
    const key = `${kind}/${namespace ?? ''}/${name}`;
    let entry = patches.get(key);
    if (!entry) {
      entry = {
        base: {
          apiVersion: kind === 'Namespace' ? 'v1' : API_OF[kind],
          kind,
          metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
        },
        labels: {},
        annotations: {},
      };
      patches.set(key, entry);
    }
    return entry;
  };

  // Namespaces: their exclusion, overrides and schedule.
  const effectiveOf = new Map<string, Effective>();
  const scheduled = new Map<string, { spec: PowerScheduleSpec; isDefault: boolean }>();
  const excludedNamespaces = new Set<string>();
  const badTime = (where: string, value: string) =>
    `${where} ${quote(value)}: not a time kube-downscaler reads (YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM, YYYY-MM-DD HH:MM or YYYY-MM-DD, UTC)`;
  for (const ns of [...input.namespaces].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!inScope(ns.name)) continue;
    const annotations = ns.annotations ?? {};
    const where = (key: string) => `namespace ${ns.name}: ${key}`;
    for (const key of Object.keys(annotations).sort()) {
      if (key.startsWith('downscaler/') && !(Object.values(DOWNSCALER) as string[]).includes(key))
        findings.notCarried.push(`${where(key)}: not a kube-downscaler namespace annotation this migration knows`);
    }

    let excluded = !isFalse(annotations[DOWNSCALER.exclude]);
    let awakeUntil: Date | undefined;
    let asleepUntil: Date | undefined;
    const excludeUntilText = annotations[DOWNSCALER.excludeUntil];
    const excludeUntil = excludeUntilText === undefined ? undefined : parseExcludeUntil(excludeUntilText);
    if (excludeUntilText !== undefined && !excludeUntil)
      findings.invalid.push(badTime(where(DOWNSCALER.excludeUntil), excludeUntilText));
    else if (excludeUntil && excludeUntil > now && !excluded) {
      awakeUntil = excludeUntil;
      findings.differences.push(
        `${where(DOWNSCALER.excludeUntil)} ${quote(excludeUntilText!)} → ${AWAKE_UNTIL_ANNOTATION}=${rfc3339(excludeUntil)}: awake until then (kube-downscaler also woke what it had scaled down), then its schedule applies`,
      );
    }
    const forceUp = annotations[DOWNSCALER.forceUptime];
    if (forceUp !== undefined && !excluded) {
      const result = forcedOverride(
        forceUp,
        where(DOWNSCALER.forceUptime),
        AWAKE_UNTIL_ANNOTATION,
        settings,
        now,
        findings,
      );
      if (result === 'excluded') excluded = true;
      else if (result && (!awakeUntil || result > awakeUntil)) awakeUntil = result;
    }
    const forceDown = annotations[DOWNSCALER.forceDowntime];
    if (forceDown !== undefined && !excluded) {
      const result = forcedOverride(
        forceDown,
        where(DOWNSCALER.forceDowntime),
        ASLEEP_UNTIL_ANNOTATION,
        settings,
        now,
        findings,
      );
      if (result instanceof Date) asleepUntil = result;
    }
    if (excluded) {
      patch('Namespace', ns.name).labels[EXCLUDE_LABEL] = 'true';
      excludedNamespaces.add(ns.name);
      continue;
    }

    const effective = namespaceEffective(ns, settings, findings);
    if (!effective) continue;
    effectiveOf.set(ns.name, effective);
    if (!goesDown(effective.uptime, effective.downtime)) continue; // Never goes down: nothing to schedule.
    const spec = specOf(ns.name, effective, settings, findings);
    if (!spec) continue;
    scheduled.set(ns.name, { spec, isDefault: effective.isDefault });
    if (awakeUntil) patch('Namespace', ns.name).annotations[AWAKE_UNTIL_ANNOTATION] = rfc3339(awakeUntil);
    if (asleepUntil) patch('Namespace', ns.name).annotations[ASLEEP_UNTIL_ANNOTATION] = rfc3339(asleepUntil);
  }

  // Workloads: exclusions, and what they set for themselves.
  const excludedNames = new Set(
    settings.excludeNames.value
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== ''),
  );
  const sortedWorkloads = [...input.workloads].sort((a, b) =>
    `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`),
  );
  for (const w of sortedWorkloads) {
    if (!inScope(w.namespace)) continue;
    const annotations = w.annotations ?? {};
    const where = (key: string) => `${w.kind} ${w.namespace}/${w.name}: ${key}`;
    const original = annotations[DOWNSCALER.originalReplicas];
    if (original !== undefined) {
      findings.notCarried.push(
        `${where(DOWNSCALER.originalReplicas)}=${original}: kube-downscaler has it scaled down now; roleplane would not know to restore it, so switch while it is awake (or scale it back to ${original} first)`,
      );
    }
    if (excludedNamespaces.has(w.namespace)) continue;
    const effective = effectiveOf.get(w.namespace);
    const isScheduled = scheduled.has(w.namespace);
    const exclude = () => {
      // Only where a schedule would otherwise act on it.
      if (isScheduled) patch(w.kind, w.name, w.namespace).labels[EXCLUDE_LABEL] = 'true';
    };
    if (excludedNames.has(w.name) || !included.has(KIND_RESOURCE[w.kind])) {
      exclude(); // kube-downscaler never touched it: neither will roleplane.
      continue;
    }
    for (const key of Object.keys(annotations).sort()) {
      if (key.startsWith('downscaler/') && !(Object.values(DOWNSCALER) as string[]).includes(key))
        findings.notCarried.push(`${where(key)}: not a kube-downscaler annotation this migration knows`);
    }
    if (!isFalse(annotations[DOWNSCALER.exclude])) {
      exclude();
      continue;
    }
    const excludeUntilText = annotations[DOWNSCALER.excludeUntil];
    if (excludeUntilText !== undefined) {
      const until = parseExcludeUntil(excludeUntilText);
      if (!until) findings.invalid.push(badTime(where(DOWNSCALER.excludeUntil), excludeUntilText));
      else if (until > now)
        findings.notCarried.push(
          `${where(DOWNSCALER.excludeUntil)} ${quote(excludeUntilText)}: roleplane has no timed exclusion for one workload; label it ${EXCLUDE_LABEL}=true and remove the label after ${rfc3339(until)}`,
        );
    }
    for (const key of [DOWNSCALER.forceUptime, DOWNSCALER.forceDowntime]) {
      if (annotations[key] !== undefined)
        findings.notCarried.push(
          `${where(key)} ${quote(annotations[key])}: kube-downscaler reads it on namespaces (and force-uptime on pods), not on workloads; nothing to carry`,
        );
    }
    for (const key of [DOWNSCALER.upscalePeriod, DOWNSCALER.downscalePeriod]) {
      const value = annotations[key];
      if (value !== undefined && value.toLowerCase() !== 'never')
        findings.notCarried.push(
          `${where(key)} ${quote(value)}: upscale/downscale periods have no roleplane counterpart`,
        );
    }

    // Its own schedule: the same as its namespace's, never down (carried as an exclusion), or not carried.
    const upText = annotations[DOWNSCALER.uptime];
    const downText = annotations[DOWNSCALER.downtime];
    if ((upText !== undefined || downText !== undefined) && effective) {
      const up =
        upText === undefined ? effective.uptime : checkTimespan(upText, where(DOWNSCALER.uptime), settings, findings);
      const down =
        downText === undefined
          ? effective.downtime
          : checkTimespan(downText, where(DOWNSCALER.downtime), settings, findings);
      if (up && down && (up.text !== effective.uptime.text || down.text !== effective.downtime.text)) {
        if (!goesDown(up, down)) {
          exclude();
          continue;
        }
        const own = [
          upText !== undefined ? `uptime ${quote(upText)}` : '',
          downText !== undefined ? `downtime ${quote(downText)}` : '',
        ]
          .filter((part) => part !== '')
          .join(' and ');
        findings.notCarried.push(
          `${w.kind} ${w.namespace}/${w.name}: its own ${own}: roleplane schedules whole namespaces, not one workload; ${isScheduled ? `it follows namespace ${w.namespace}'s schedule` : `namespace ${w.namespace} gets no schedule, so it stays up`} (move it to a namespace of its own, or label it ${EXCLUDE_LABEL}=true)`,
        );
      }
    } else if (upText !== undefined) checkTimespan(upText, where(DOWNSCALER.uptime), settings, findings);
    else if (downText !== undefined) checkTimespan(downText, where(DOWNSCALER.downtime), settings, findings);

    const replicas = annotations[DOWNSCALER.downtimeReplicas];
    if (replicas !== undefined) {
      const n = parseReplicas(
        { value: replicas, origin: DOWNSCALER.downtimeReplicas },
        where(DOWNSCALER.downtimeReplicas),
        findings,
      );
      if (n !== undefined && effective && n !== effective.downtimeReplicas)
        findings.notCarried.push(
          `${where(DOWNSCALER.downtimeReplicas)} ${quote(replicas)}: roleplane has one downtimeReplicas per PowerSchedule; it gets ${effective.downtimeReplicas}${isScheduled ? '' : ' (its namespace gets no schedule)'}`,
        );
    }
  }

  // A schedule already in the cluster that selects a namespace would share it with ours: the first by name manages it.
  const others = (input.existingSchedules ?? []).filter(
    (s) => s.metadata.labels?.[MIGRATED_FROM_LABEL] !== 'kube-downscaler',
  );
  for (const ns of input.namespaces) {
    if (!scheduled.has(ns.name)) continue;
    const claimants = others.filter((s) =>
      selects(s.spec, { metadata: { name: ns.name, labels: { ...(ns.labels ?? {}) } } }, ns.name),
    );
    if (claimants.length > 0)
      findings.notCarried.push(
        `namespace ${ns.name}: already selected by PowerSchedule ${claimants.map((c) => c.metadata.name).join(', ')}; a namespace selected twice is managed by the first schedule by name only, so take it out of one of them`,
      );
  }

  // Group namespaces with the same schedule into one PowerSchedule each.
  const groups = new Map<string, { spec: PowerScheduleSpec; namespaces: string[]; isDefault: boolean }>();
  for (const [name, schedule] of scheduled) {
    const key = JSON.stringify(schedule.spec);
    const group = groups.get(key) ?? { spec: schedule.spec, namespaces: [], isDefault: false };
    group.namespaces.push(name);
    group.isDefault ||= schedule.isDefault;
    groups.set(key, group);
  }
  const used = new Set<string>();
  const schedules: PowerScheduleManifest[] = [...groups.values()]
    .sort((a, b) =>
      a.isDefault === b.isDefault ? a.namespaces[0]!.localeCompare(b.namespaces[0]!) : a.isDefault ? -1 : 1,
    )
    .map((group) => {
      let name =
        group.isDefault && !used.has('kube-downscaler-default')
          ? 'kube-downscaler-default'
          : `kube-downscaler-${group.namespaces[0]!}`.slice(0, 63).replace(/-+$/, '');
      for (let i = 2; used.has(name); i++) name = `${name.slice(0, 60)}-${i}`;
      used.add(name);
      return {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name, labels: { [MIGRATED_FROM_LABEL]: 'kube-downscaler' } },
        spec: { namespaces: [...group.namespaces].sort(), ...group.spec },
      };
    });

  const patchList: MetadataPatch[] = [...patches.values()].map(({ base, labels, annotations }) => ({
    ...base,
    metadata: {
      ...base.metadata,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
  }));
  return {
    schedules,
    patches: patchList,
    invalid: findings.invalid,
    notCarried: findings.notCarried,
    differences: findings.differences,
  };
}
