/**
 * A PowerSchedule's status: its conditions (ScheduleValid, Ready), the next sleep and wake over its namespaces, and
 * each namespace's status; written only when it differs from the status the operator last wrote (the cache lags
 * those writes).
 */
import type { Condition, NamespaceStatus, PowerSchedule, PowerScheduleStatus } from '../api/power-schedule.js';
import { timeZoneOf } from '../api/power-schedule.js';
import { formatLocalTime } from '../schedule/local-time.js';
import type { ParsedSchedule } from '../schedule/grammar.js';
import { currentOrNextHoliday, formatDay } from '../schedule/holidays.js';
import { ZoneClock } from '../schedule/zone-clock.js';
import type { ReconcileDeps } from './reconcile.js';
import { earliest } from './requeue.js';

/** The status this operator last wrote for one PowerSchedule (by uid, so a re-created schedule starts afresh). */
export interface WrittenStatus {
  readonly uid: string | undefined;
  readonly status: PowerScheduleStatus;
}

/**
 * The schedule's status as it stands: what this operator last wrote if it has written one, else what the cache
 * holds (written before a restart or by the previous leader).
 */
export function currentStatus(
  schedule: PowerSchedule,
  written: ReadonlyMap<string, WrittenStatus>,
): PowerScheduleStatus | undefined {
  const memo = written.get(schedule.metadata.name);
  return memo && memo.uid === schedule.metadata.uid ? memo.status : schedule.status;
}

export function condition(
  type: Condition['type'],
  ok: boolean,
  reason: string,
  message: string,
  previous: readonly Condition[] | undefined,
  now: Date,
  generation: number | undefined,
): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    // The time the status last flipped, not the time we last wrote it.
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/** An invalid schedule: the parser's message, the namespaces as they were last reported, nothing done. */
export function invalidScheduleStatus(
  schedule: PowerSchedule,
  message: string,
  now: Date,
  current: PowerScheduleStatus | undefined = schedule.status,
): PowerScheduleStatus {
  const generation = schedule.metadata.generation;
  const previous = current?.conditions;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    namespaces: current?.namespaces ?? [],
    conditions: [
      condition('ScheduleValid', false, 'InvalidSchedule', message, previous, now, generation),
      condition(
        'Ready',
        false,
        'InvalidSchedule',
        'the schedule cannot be evaluated; nothing is done until it is fixed',
        previous,
        now,
        generation,
      ),
    ],
  };
}

/**
 * The holiday in progress at `now` or else the next one: its first day (`status.nextHoliday`, YYYY-MM-DD) and the
 * instant it ends, when that status changes; undefined when the schedule has none to come.
 */
export function nextHolidayOf(parsed: ParsedSchedule, now: Date): { day: string; endsAtMs: number } | undefined {
  if (parsed.holidays === undefined) return undefined;
  const found = currentOrNextHoliday(parsed.holidays, new ZoneClock(parsed.timeZone), now.getTime());
  return found === null ? undefined : { day: formatDay(found.holiday.firstDay), endsAtMs: found.endMs };
}

/** A valid schedule after its namespaces were reconciled: Ready unless a namespace reported an error. */
export function scheduleStatus(
  schedule: PowerSchedule,
  statuses: readonly NamespaceStatus[],
  now: Date,
  current: PowerScheduleStatus | undefined = schedule.status,
  nextHoliday?: string,
): PowerScheduleStatus {
  const generation = schedule.metadata.generation;
  const previous = current?.conditions;
  const failed = statuses.filter((s) => s.lastError);
  const nextSleep = earliest(...statuses.map((s) => (s.nextSleep ? Date.parse(s.nextSleep) : null)));
  const nextWake = earliest(...statuses.map((s) => (s.nextWake ? Date.parse(s.nextWake) : null)));
  const zone = timeZoneOf(schedule.spec);
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(nextSleep !== null
      ? { nextSleep: new Date(nextSleep).toISOString(), nextSleepLocal: formatLocalTime(nextSleep, zone) }
      : {}),
    ...(nextWake !== null
      ? { nextWake: new Date(nextWake).toISOString(), nextWakeLocal: formatLocalTime(nextWake, zone) }
      : {}),
    ...(nextHoliday !== undefined ? { nextHoliday } : {}),
    namespaces: [...statuses],
    conditions: [
      condition('ScheduleValid', true, 'Parsed', 'the schedule is valid', previous, now, generation),
      condition(
        'Ready',
        failed.length === 0,
        failed.length === 0 ? (schedule.spec.suspend ? 'Suspended' : 'Reconciled') : 'NamespaceErrors',
        failed.length === 0
          ? `${statuses.length} namespace(s) as scheduled`
          : failed.map((s) => `${s.name}: ${s.lastError}`).join('; '),
        previous,
        now,
        generation,
      ),
    ],
  };
}

/** JSON with sorted keys: the API server returns objects with sorted keys, we build them in another order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Writes the status only when it differs from the current one (`currentStatus`: the last one written), so a quiet
 * reconcile sends no request and each real change one; remembers what it wrote.
 */
export async function writeStatus(
  schedule: PowerSchedule,
  status: PowerScheduleStatus,
  deps: ReconcileDeps,
): Promise<void> {
  if (stableJson(currentStatus(schedule, deps.statuses) ?? {}) === stableJson(status)) return;
  try {
    await deps.api.patchScheduleStatus(schedule.metadata.name, status);
    deps.statuses.set(schedule.metadata.name, { uid: schedule.metadata.uid, status });
  } catch (err) {
    deps.log.warn({ err }, 'could not write status');
  }
}
