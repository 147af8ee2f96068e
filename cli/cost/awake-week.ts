import { DateTime } from 'luxon';
import { desiredAwake } from '../../operator/schedule/evaluate.js';
import { parseSchedule, type ScheduleText } from '../../operator/schedule/grammar.js';

/** Minutes per slot of the reference week: schedules name minutes, but real ones change on the quarter hour. */
export const SLOT_MINUTES = 15;
export const SLOTS_PER_WEEK = (7 * 24 * 60) / SLOT_MINUTES;
export const HOURS_PER_WEEK = 168;

/**
 * The week costs are read over: Monday 12 January 2026, 00:00 in the schedule's zone, seven days. No zone changes
 * its UTC offset that week, so every day has 24 hours; holidays are not counted (a week without any).
 */
const REFERENCE_MONDAY = '2026-01-12T00:00';

/**
 * Whether the schedule is awake at the start of each slot of the reference week. The week starts on Monday in
 * `weekZone` (the schedule's own zone unless told), so schedules read in one week line up slot by slot.
 */
export function awakeSlots(schedule: ScheduleText, weekZone?: string): boolean[] {
  const { holidays: _holidays, ...weekly } = schedule;
  const parsed = parseSchedule(weekly);
  const monday = DateTime.fromISO(REFERENCE_MONDAY, { zone: weekZone ?? parsed.timeZone });
  const slots: boolean[] = [];
  for (let slot = 0; slot < SLOTS_PER_WEEK; slot++)
    slots.push(desiredAwake(parsed, monday.plus({ minutes: slot * SLOT_MINUTES }).toJSDate()));
  return slots;
}

/** Awake hours in the reference week: 65 for `Mon-Fri 07:00-20:00`. */
export function awakeHoursPerWeek(schedule: ScheduleText): number {
  return (awakeSlots(schedule).filter(Boolean).length * SLOT_MINUTES) / 60;
}
