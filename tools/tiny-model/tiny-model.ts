import { pathToFileURL } from 'node:url';
import { TINY_MODEL_DIR } from '../../workloads/search/embedder/tiny-model.js';
import { ruleFields, vocabularyTexts } from '../search-demo/vocabulary.js';
import { buildTinyModel, type BuildTinyModelOptions, type TinyModelInfo } from './build-tiny-model.js';

/**
 * Generates the project's own embedding model into workloads/search/embedder/tiny/ (embedder/tiny-model.ts says what
 * it is). Its vocabulary and synonym groups come from the demo catalog's word lists, so demo queries are made of
 * words it knows.
 *
 * Regenerate after changing tools/search-demo/vocabulary.ts or the builder (a test fails until you do):
 *
 *   npx tsx tools/tiny-model/tiny-model.ts
 */

export const TINY_MODEL_DIMS = 128;
export const TINY_MODEL_SEED = 20261127;

/** The exact options the committed model was built with, minus the output directory. */
export function tinyModelOptions(): Omit<BuildTinyModelOptions, 'outDir'> {
  // Every rules value with its phrases is one synonym group: "sneaker", "trainer" and "kicks" land together.
  const synonyms = Object.values(ruleFields()).flatMap((values) =>
    Object.entries(values).map(([canonical, phrases]) => [canonical, ...phrases]),
  );
  return { vocabulary: vocabularyTexts(), synonyms, dims: TINY_MODEL_DIMS, seed: TINY_MODEL_SEED };
}

export function buildDemoTinyModel(outDir: string = TINY_MODEL_DIR): Promise<TinyModelInfo> {
  return buildTinyModel({ ...tinyModelOptions(), outDir });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const info = await buildDemoTinyModel(process.argv[2] ?? TINY_MODEL_DIR);
  process.stdout.write(
    `wrote ${info.dir}: ${info.vocabularySize} tokens x ${info.dims} dimensions (${info.files.join(', ')})\n`,
  );
}
