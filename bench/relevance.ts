/**
 * `npm run bench:relevance -- [--json] [--queries]`
 *
 * nDCG@10 and the zero-result rate of /search in each mode (vector, lexical, hybrid) on the judged query set shipped
 * with the furniture test catalog (test/fixtures/search/furniture/: catalog, rules file, judgments), indexed with the
 * built-in tiny model. `--queries` prints every query's nDCG per mode and hybrid's top 3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable } from './common/report.js';
import { readJudgments } from '../tools/relevance/judged-set.js';
import { evaluateMode, furnitureService, type ModeOutcome } from '../tools/relevance/evaluate.js';
import { type SEARCH_MODES } from '../workloads/search/service/results/search-results.js';

const { values: args } = parseArgs({
  options: { json: { type: 'boolean', default: false }, queries: { type: 'boolean', default: false } },
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roleplane-bench-relevance-'));
  const service = await furnitureService(dir);
  try {
    const queries = readJudgments();
    const outcomes: ModeOutcome[] = [];
    for (const mode of ['vector', 'lexical', 'hybrid'] as const satisfies ReadonlyArray<(typeof SEARCH_MODES)[number]>)
      outcomes.push(await evaluateMode(service, queries, mode));
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify(outcomes.map(({ mode, ndcg, zeroResultRate }) => ({ mode, ndcg, zeroResultRate })))}\n`,
      );
      return;
    }
    const judged = outcomes[0]?.queries.filter((q) => q.ndcg !== undefined).length ?? 0;
    process.stdout.write(
      `/search on the furniture test catalog (${service.index.products.length} products, tiny model), ` +
        `${queries.length} judged queries (${judged} with relevant products), top 10\n\n`,
    );
    const kinds = [...new Set(queries.map((q) => q.kind))];
    const byKind = (o: ModeOutcome, kind: string): string => {
      const list = o.queries.filter((q) => q.kind === kind && q.ndcg !== undefined);
      return list.length === 0 ? '–' : (list.reduce((s, q) => s + (q.ndcg as number), 0) / list.length).toFixed(3);
    };
    printTable([
      ['mode', 'nDCG@10', 'zero-result rate', ...kinds],
      ...outcomes.map((o) => [
        o.mode,
        o.ndcg.toFixed(3),
        `${(o.zeroResultRate * 100).toFixed(1)} %`,
        ...kinds.map((kind) => byKind(o, kind)),
      ]),
    ]);
    if (args.queries) {
      process.stdout.write('\nper query (nDCG@10 vector / lexical / hybrid; hybrid top 3 with grades)\n');
      queries.forEach((query, i) => {
        const cells = outcomes.map((o) => o.queries[i]?.ndcg?.toFixed(2) ?? '–');
        const hybrid = outcomes[2]?.queries[i];
        process.stdout.write(
          `${query.q.padEnd(36)} ${cells.join(' / ')}${hybrid?.relaxed.length ? `  relaxed ${hybrid.relaxed.join(',')}` : ''}\n    ${hybrid?.top.join('\n    ') ?? ''}\n`,
        );
      });
    }
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
