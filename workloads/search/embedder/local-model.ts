import { env, pipeline, Tensor } from '@xenova/transformers';
import type { Embedder } from './embedder.js';
import { identifyModel, inspectModelDir, ModelDirError } from './model-dir.js';
import { meanPoolNormalize } from './pooling.js';

/**
 * The real Embedder: transformers.js feature extraction (mean pooling over the tokens, then L2 normalisation,
 * as sentence-transformers models expect) from a model directory on disk. Works the same for the project's
 * tiny model and for a downloaded export such as Xenova/all-mpnet-base-v2 copied onto the volume.
 *
 * Nothing is ever downloaded: remote loading is switched off and the file cache under node_modules is not
 * consulted, so only the given directory is read.
 */

export interface LocalEmbedderOptions {
  /** Texts per model call. Larger batches amortise the call; the batch is padded to its longest text. @default 32 */
  readonly batchSize?: number;
  /** Load onnx/model_quantized.onnx (true) or onnx/model.onnx (false). @default - the quantized file if present */
  readonly quantized?: boolean;
}

type FeatureExtractor = Awaited<ReturnType<typeof pipeline<'feature-extraction'>>>;

const DEFAULT_BATCH_SIZE = 32;
const PROBE_TEXT = 'dimension probe';

/**
 * transformers.js settings are process-wide. Every loader sets the same values: local files only, no cache
 * directory, and a local model root of "/" so each model is named by its absolute path. (Setting
 * `localModelPath` to each model's parent instead would make two concurrent loads race on the global.)
 * Exported for code that calls transformers.js directly (tests comparing with the library's own pipeline).
 */
export function useLocalModelsOnly(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.localModelPath = '/';
}

function checkBatchSize(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`loadLocalEmbedder: batchSize must be a positive integer (got ${batchSize})`);
  return batchSize;
}

function asTensor(value: unknown, what: string, modelDir: string): Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${modelDir}: the model returned no ${what} tensor`);
  return value;
}

/**
 * The steps of transformers.js FeatureExtractionPipeline (tokenize with padding and truncation, run the model,
 * take last_hidden_state), with our own pooling (see pooling.ts for why).
 */
async function embedWith(
  extractor: FeatureExtractor,
  texts: readonly string[],
  modelDir: string,
): Promise<Float32Array[]> {
  const inputs = extractor.tokenizer([...texts], { padding: true, truncation: true }) as Record<string, unknown>;
  const outputs = (await extractor.model(inputs)) as Record<string, unknown>;
  const states = asTensor(
    outputs.last_hidden_state ?? outputs.logits ?? outputs.token_embeddings,
    'last_hidden_state',
    modelDir,
  );
  const mask = asTensor(inputs.attention_mask, 'attention_mask', modelDir);
  // One read of each Proxy-wrapped property; element access on the plain typed arrays is then fast.
  const data = states.data;
  const maskData = mask.data;
  if (!(data instanceof Float32Array) || !(maskData instanceof BigInt64Array)) {
    throw new Error(
      `${modelDir}: expected float32 token states and an int64 attention mask, got ${states.type} and ${mask.type}`,
    );
  }
  const vectors = meanPoolNormalize({ data, dims: states.dims }, maskData);
  if (vectors.length !== texts.length)
    throw new Error(`${modelDir}: the model returned ${vectors.length} rows for ${texts.length} texts`);
  vectors.forEach((vector, row) => {
    // A text whose tokens all have zero vectors pools to 0/0: catch it here, not as a NaN score in a result.
    if (!vector.every(Number.isFinite)) {
      throw new Error(
        `${modelDir}: the model gave a non-finite embedding for text ${row} of the batch (${JSON.stringify((texts[row] ?? '').slice(0, 80))})`,
      );
    }
  });
  return vectors;
}

export async function loadLocalEmbedder(modelDir: string, options: LocalEmbedderOptions = {}): Promise<Embedder> {
  const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH_SIZE);
  const model = await inspectModelDir(modelDir, options.quantized);
  const identity = await identifyModel(model);

  useLocalModelsOnly();
  let extractor: FeatureExtractor;
  try {
    extractor = await pipeline('feature-extraction', model.dir, { quantized: model.quantized, local_files_only: true });
  } catch (err) {
    throw new ModelDirError(
      model.dir,
      `transformers.js could not load it: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  const embedBatch = (batch: readonly string[]): Promise<Float32Array[]> => embedWith(extractor, batch, model.dir);

  // The width comes from what the model actually returns, not from config.json (hidden_size can differ from
  // the output of an export with a projection head).
  const [probe] = await embedBatch([PROBE_TEXT]);
  const dimensions = probe?.length ?? 0;
  if (dimensions === 0) throw new ModelDirError(model.dir, 'the model returned an empty embedding');

  return {
    modelId: identity.id,
    model: identity,
    dimensions,
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const rows = await embedBatch(batch);
        for (const row of rows) {
          if (row.length !== dimensions)
            throw new Error(`${model.dir}: embedding has ${row.length} dimensions, expected ${dimensions}`);
          vectors.push(row);
        }
      }
      return vectors;
    },
    async close(): Promise<void> {
      await extractor.dispose();
    },
  };
}
