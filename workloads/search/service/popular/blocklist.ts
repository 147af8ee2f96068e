import { readFileSync, statSync } from 'node:fs';
import { normalizeQuery } from '../../query/normalize.js';

/**
 * Terms an operator never wants suggested (the chart mounts them from a ConfigMap): one term per line, `#` starts a
 * comment, blank lines are ignored. A term blocks every query that contains it as whole words ("cheap knockoff"
 * blocks "cheap knockoff bags", not "knockoffs"), compared after `normalizeQuery`, so case and accents do not
 * matter. The file is read again when it changes (a ConfigMap update swaps it in place), at most every `recheckMs`.
 */
export class Blocklist {
  private terms: readonly string[] = [];
  private checkedAt = Number.NEGATIVE_INFINITY;
  private modifiedMs = Number.NaN;

  private constructor(
    readonly path: string | undefined,
    private readonly recheckMs: number,
    private readonly now: () => number,
    private readonly onReload: (terms: number, error?: Error) => void,
  ) {}

  /** No file: nothing is blocked. */
  static empty(): Blocklist {
    return new Blocklist(undefined, Number.POSITIVE_INFINITY, Date.now, () => undefined);
  }

  /** Reads `path` now; a missing or unreadable file fails here, at start-up, naming it. */
  static load(
    path: string,
    options: { recheckMs?: number; now?: () => number; onReload?: (terms: number, error?: Error) => void } = {},
  ): Blocklist {
    const list = new Blocklist(
      path,
      options.recheckMs ?? 10_000,
      options.now ?? Date.now,
      options.onReload ?? (() => undefined),
    );
    list.read(true);
    return list;
  }

  /** From the text of a file (tests, and the command that checks a file before it is mounted). */
  static parse(text: string): string[] {
    const terms = new Set<string>();
    for (const line of text.split('\n')) {
      const term = normalizeQuery(line.replace(/#.*$/, ''));
      if (term !== '') terms.add(term);
    }
    return [...terms];
  }

  get size(): number {
    this.refresh();
    return this.terms.length;
  }

  /** The first term that blocks `query` (normalised), or undefined. */
  match(query: string): string | undefined {
    this.refresh();
    const padded = ` ${query} `;
    return this.terms.find((term) => padded.includes(` ${term} `));
  }

  private refresh(): void {
    if (this.path === undefined || this.now() - this.checkedAt < this.recheckMs) return;
    this.read(false);
  }

  private read(isFirst: boolean): void {
    const path = this.path as string;
    this.checkedAt = this.now();
    try {
      const modifiedMs = statSync(path).mtimeMs;
      if (modifiedMs === this.modifiedMs) return;
      this.terms = Blocklist.parse(readFileSync(path, 'utf8'));
      this.modifiedMs = modifiedMs;
      this.onReload(this.terms.length);
    } catch (err) {
      const error = new Error(`suggestion blocklist ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
      if (isFirst) throw error;
      // A file that vanished or broke later keeps the terms last read: unblocking everything would be worse.
      this.onReload(this.terms.length, error);
    }
  }
}

/** The service's blocklist: read now (failing start-up on a bad path), reloads logged. */
export function loadBlocklist(
  path: string,
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Blocklist {
  return Blocklist.load(path, {
    onReload: (terms, err) =>
      err
        ? log.warn({ err, path }, 'suggestion blocklist unreadable: keeping the terms read before')
        : log.info({ path, terms }, 'suggestion blocklist read'),
  });
}
