import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runIndexCommand } from '../../workloads/search/index/build/index-command.js';
import { INDEX_FILES } from '../../workloads/search/index/format/files.js';
import { buildTinyModel } from '../../tools/tiny-model/build-tiny-model.js';
import { tinyModelOptions } from '../../tools/tiny-model/tiny-model.js';
import { writeDemoCatalog } from '../../tools/search-demo/write-demo-catalog.js';

/**
 * The demo catalog indexed with a `dim`-dimension variant of the tiny model, built once and cached under
 * ~/.cache/roleplane-bench/http-n<n>-d<dim>/ (the HTTP benchmarks share it).
 */
export async function demoIndex(options: {
  readonly n: number;
  readonly dim: number;
  readonly dir?: string;
  readonly log: (message: string) => void;
}): Promise<{ dir: string; indexDir: string; modelDir: string }> {
  const dir = options.dir ?? join(homedir(), '.cache', 'roleplane-bench', `http-n${options.n}-d${options.dim}`);
  mkdirSync(dir, { recursive: true });
  const modelDir = join(dir, 'model');
  if (!existsSync(join(modelDir, 'config.json'))) {
    options.log(`building the tiny model with ${options.dim} dimensions in ${modelDir}`);
    await buildTinyModel({ ...tinyModelOptions(), dims: options.dim, outDir: modelDir });
  }
  const indexDir = join(dir, 'index');
  await indexDemoCatalog({ n: options.n, catalogDir: join(dir, 'catalog'), indexDir, modelDir, log: options.log });
  return { dir, indexDir, modelDir };
}

/**
 * `n` demo products written to `catalogDir` and indexed into `indexDir` with the model in `modelDir`, unless an
 * index is there already (a finished build: `search index` replaces its output directory whole).
 */
export async function indexDemoCatalog(options: {
  readonly n: number;
  readonly catalogDir: string;
  readonly indexDir: string;
  readonly modelDir: string;
  readonly log: (message: string) => void;
}): Promise<void> {
  const { indexDir, log } = options;
  if (existsSync(join(indexDir, INDEX_FILES.manifest))) {
    log(`reusing ${indexDir}`);
    return;
  }
  const started = performance.now();
  const catalog = await writeDemoCatalog({ outDir: options.catalogDir, count: options.n });
  log(`indexing ${catalog.count} demo products with ${options.modelDir}`);
  const indexed = await runIndexCommand({
    catalog: catalog.catalogPath,
    rules: catalog.rulesPath,
    out: indexDir,
    model: options.modelDir,
  });
  if (indexed.exitCode !== 0) throw new Error(indexed.stderr);
  log(`  ${indexed.stdout.trim()} (catalog + index ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
