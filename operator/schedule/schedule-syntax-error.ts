/**
 * A timespan spec, time zone or instant that cannot be read. The message names the offending part and says
 * what is wrong with it, e.g. `unknown weekday "Mnd" in "Mnd-Fri 07:00-20:00"`; the operator puts it into the
 * `ScheduleValid` condition as is, and `roleplane schedule explain` prints it.
 */
export class ScheduleSyntaxError extends Error {
  override readonly name = 'ScheduleSyntaxError';

  /**
   * @param message what is wrong, naming the bad part
   * @param item the comma-list item (or other input) that holds the bad part, when there is one
   */
  constructor(
    message: string,
    readonly item?: string,
  ) {
    super(message);
  }

  /** The same error with a prefix saying where the text came from (`uptime: …`, `--at: …`). */
  within(where: string): ScheduleSyntaxError {
    return new ScheduleSyntaxError(`${where}: ${this.message}`, this.item);
  }
}
