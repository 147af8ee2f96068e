import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CHECKSUMMED_FILES, INDEX_FILES } from './files.js';

/**
 * manifest.json: what an index directory holds and how to check it. The index build writes it last, after
 * every file it describes; the service reads it first and refuses an index whose files do not match, or whose
 * model is not the one it embeds queries with.
 *
 *   {"formatVersion": 1, "modelId": "sha256-5f0c…", "dimensions": 128, "count": 65536, "createdAt": "…Z",
 *    "model": {"name": "tiny", "files": {"config.json": {"sha256": "…", "bytes": 503}, …, "onnx/model.onnx": {…}}},
 *    "files": {"embeddings.npy": {"sha256": "…", "bytes": 33554560}, "products.jsonl": {…}, "filters.json": {…}},
 *    "ann": {"file": "vectors.usearch", "sha256": "…", …}}
 *
 * `modelId` is the query model's content id (embedder/model-dir.ts); `model` lists the files it was computed from,
 * so a service with another model can say which files differ (absent in indexes built before it, and for
 * embedders that are not a model directory). An index whose product vectors were given as a .npy
 * (`search index --embeddings`) also has `productEmbeddings`: where they came from.
 *
 * `ann` describes the approximate-search graph (annSectionSchema below). It is optional and checked apart from the
 * rest: an index without it, or with one that does not check out, still loads, and the service rebuilds the
 * graph from embeddings.npy instead of trusting it.
 */

export const INDEX_FORMAT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const positiveInt = z.number().int().positive();

const fileEntrySchema = z.object({
  sha256,
  bytes: z.number().int().nonnegative(),
});

/** The query model's name (for messages) and files (relative path → size and SHA-256). */
export const modelSectionSchema = z.object({
  name: z.string().min(1),
  files: z.record(z.string().min(1), fileEntrySchema),
});
export type ModelSection = z.infer<typeof modelSectionSchema>;

/**
 * Where the product vectors came from when they were not embedded by the build: the input .npy (absolute path
 * at build time, SHA-256, dtype) and how far its rows were from unit length before the build normalised them.
 */
export const productEmbeddingsSectionSchema = z.object({
  from: z.literal('npy'),
  file: z.string().min(1),
  sha256,
  dtype: z.enum(['<f2', '<f4', '<f8']),
  rescaledRows: z.number().int().nonnegative(),
  minNorm: z.number().nonnegative(),
  maxNorm: z.number().nonnegative(),
});
export type ProductEmbeddingsSection = z.infer<typeof productEmbeddingsSectionSchema>;

export const manifestSchema = z.object({
  formatVersion: z.literal(INDEX_FORMAT_VERSION, {
    error: `must be ${INDEX_FORMAT_VERSION} (an index from another version of the build; rebuild it)`,
  }),
  modelId: z.string().min(1),
  model: modelSectionSchema.optional(),
  dimensions: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  files: z.object({
    [INDEX_FILES.embeddings]: fileEntrySchema,
    [INDEX_FILES.products]: fileEntrySchema,
    [INDEX_FILES.rules]: fileEntrySchema,
  }),
  productEmbeddings: productEmbeddingsSectionSchema.optional(),
  // Checked apart (annSectionSchema, by serve/open-vector-index.ts): a bad section means "rebuild the graph", not
  // "refuse the index".
  ann: z.unknown().optional(),
  // Checked apart too (lexicalSectionSchema, by serve/open-lexical-index.ts): a bad section means "rebuild the
  // lexical index from products.jsonl".
  lexical: z.unknown().optional(),
});

/** The graph engine, distance and row quantisation of vectors.usearch; a section with others is not used. */
export const ANN_ENGINE = 'usearch-hnsw';
export const HNSW_METRIC = 'cos';
export const HNSW_QUANTIZATION = 'i8';
/** Distance and storage of a graph over projected rows (serve/ann/projection.ts). */
export const PROJECTED_METRIC = 'l2sq';
export const PROJECTED_QUANTIZATION = 'f32';

/**
 * The manifest section that vouches for the graph file beside embeddings.npy:
 *
 *   "ann": {"file": "vectors.usearch", "sha256": "…", "bytes": 71303488, "engine": "usearch-hnsw",
 *           "usearch": "2.25.3", "metric": "cos", "quantization": "i8", "connectivity": 16, "expansionAdd": 128,
 *           "expansionSearch": 64, "calibration": {"recallAt10": 0.995, "targetRecall": 0.99, "sample": 100},
 *           "embeddingsSha256": "<sha256 of the embeddings.npy it was built from>"}
 *
 * A graph that navigates in the embeddings' principal directions (serve/ann/projection.ts) has "metric": "l2sq",
 * "quantization": "f32" and "projection": {"file": "vectors.projection.npy", "sha256": "…", "bytes": …,
 * "width": 64, "retainedVariance": 0.91}: the directions, checked like the graph file.
 *
 * expansionSearch is the search breadth the build measured to be enough for this data (serve/ann/calibrate.ts).
 */
export const annSectionSchema = z
  .object({
    file: z.literal(INDEX_FILES.graph),
    sha256,
    bytes: z.number().int().nonnegative(),
    engine: z.literal(ANN_ENGINE),
    usearch: z.string().min(1),
    metric: z.enum([HNSW_METRIC, PROJECTED_METRIC]),
    quantization: z.enum([HNSW_QUANTIZATION, PROJECTED_QUANTIZATION]),
    projection: z
      .object({
        file: z.literal(INDEX_FILES.projection),
        sha256,
        bytes: z.number().int().nonnegative(),
        width: positiveInt,
        retainedVariance: z.number().min(0).max(1),
      })
      .optional(),
    connectivity: positiveInt,
    expansionAdd: positiveInt,
    expansionSearch: positiveInt,
    calibration: z.object({
      recallAt10: z.number().min(0).max(1),
      targetRecall: z.number().min(0).max(1),
      sample: z.number().int().nonnegative(),
      /** Embedded query texts calibrated on as well (serve/ann/calibrate.ts); absent: rows only. */
      queryProbes: z.number().int().nonnegative().optional(),
    }),
    embeddingsSha256: sha256,
  })
  .refine(
    (section) =>
      section.projection
        ? section.metric === PROJECTED_METRIC && section.quantization === PROJECTED_QUANTIZATION
        : section.metric === HNSW_METRIC && section.quantization === HNSW_QUANTIZATION,
    {
      message: `a graph with a projection compares ${PROJECTED_QUANTIZATION} rows by ${PROJECTED_METRIC}, one without ${HNSW_QUANTIZATION} rows by ${HNSW_METRIC}`,
    },
  );
export type AnnSection = z.infer<typeof annSectionSchema>;

/**
 * The manifest section that vouches for the lexical index beside products.jsonl:
 *
 *   "lexical": {"file": "lexical.bin", "sha256": "…", "bytes": 18874368, "formatVersion": 1, "terms": 5120,
 *               "postings": 2300000, "productsSha256": "<sha256 of the products.jsonl it was built from>"}
 */
export const lexicalSectionSchema = z.object({
  file: z.literal(INDEX_FILES.lexical),
  sha256,
  bytes: z.number().int().nonnegative(),
  formatVersion: z.number().int().positive(),
  terms: z.number().int().nonnegative(),
  postings: z.number().int().nonnegative(),
  productsSha256: sha256,
});
export type LexicalSection = z.infer<typeof lexicalSectionSchema>;

export type Manifest = z.infer<typeof manifestSchema>;
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** A manifest or an indexed file that does not check out; the message starts with the file's path. */
export class ManifestError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** SHA-256 and size of a file, streamed (embeddings.npy can be hundreds of megabytes). */
export async function describeFile(path: string): Promise<FileEntry> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Validates parsed JSON as a manifest; the error lists every problem with its key path. */
export function parseManifest(json: unknown, source: string): Manifest {
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
  );
  throw new ManifestError(source, `invalid manifest: ${problems.join('; ')}`);
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, INDEX_FILES.manifest);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ManifestError(
      path,
      code === 'ENOENT'
        ? 'not found (is this an index directory? build one with `roleplane search index`)'
        : `cannot read (${code ?? String(err)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(path, `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseManifest(json, path);
}

/**
 * Checks that every file the manifest lists has its recorded size and SHA-256. Sizes are compared first for
 * all files, so a truncated copy is reported as such without hashing hundreds of megabytes.
 */
export async function verifyIndexFiles(dir: string, manifest: Manifest): Promise<void> {
  for (const file of CHECKSUMMED_FILES) {
    const path = join(dir, file);
    const expected = manifest.files[file].bytes;
    let actual: number;
    try {
      actual = (await stat(path)).size;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ManifestError(
        path,
        code === 'ENOENT' ? 'missing (listed in manifest.json)' : `cannot read (${code ?? String(err)})`,
      );
    }
    if (actual !== expected)
      throw new ManifestError(
        path,
        `has ${actual} bytes, manifest.json says ${expected} (truncated or replaced; rebuild the index)`,
      );
  }
  for (const file of CHECKSUMMED_FILES) {
    const path = join(dir, file);
    const { sha256 } = await describeFile(path);
    const expected = manifest.files[file].sha256;
    if (sha256 !== expected)
      throw new ManifestError(
        path,
        `SHA-256 ${sha256} does not match manifest.json (${expected}); the file changed after the build`,
      );
  }
}
