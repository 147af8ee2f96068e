import { rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { VectorIndexMode } from '../../config.js';
import { describeFile, type Manifest } from '../manifest.js';
import { ExactVectorIndex, type VectorIndex } from '../vector-index.js';
import { calibrateExpansion, type Calibration, type CalibrationOptions } from './calibrate.js';
import { defaultHnswParams, HNSW_METRIC, HNSW_QUANTIZATION, HnswVectorIndex, type HnswParams } from './hnsw-index.js';

/**
 * The graph file beside embeddings.npy, and the manifest section that vouches for it:
 *
 *   "ann": {"file": "vectors.usearch", "sha256": "…", "bytes": 71303488, "engine": "usearch-hnsw",
 *           "usearch": "2.25.3", "metric": "cos", "quantization": "i8", "connectivity": 16, "expansionAdd": 128,
 *           "expansionSearch": 64, "calibration": {"recallAt10": 0.995, "targetRecall": 0.99, "sample": 100},
 *           "embeddingsSha256": "<sha256 of the embeddings.npy it was built from>"}
 *
 * expansionSearch is the search breadth the build measured to be enough for this data (calibrate.ts).
 *
 * The service uses the file only if the section parses, the file has its size and SHA-256, it was built from
 * the embeddings.npy beside it, and usearch loads it with one node per row. Anything else — no section (an index
 * from before the graph existed), a copy gone stale, a truncated file — and the graph is rebuilt in memory
 * from embeddings.npy, with a warning that says why: slower start, never a wrong answer.
 */

export const ANN_FILE = 'vectors.usearch';
export const ANN_ENGINE = 'usearch-hnsw';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const positiveInt = z.number().int().positive();

export const annSectionSchema = z.object({
  file: z.literal(ANN_FILE),
  sha256,
  bytes: z.number().int().nonnegative(),
  engine: z.literal(ANN_ENGINE),
  usearch: z.string().min(1),
  metric: z.literal(HNSW_METRIC),
  quantization: z.literal(HNSW_QUANTIZATION),
  connectivity: positiveInt,
  expansionAdd: positiveInt,
  expansionSearch: positiveInt,
  calibration: z.object({
    recallAt10: z.number().min(0).max(1),
    targetRecall: z.number().min(0).max(1),
    sample: z.number().int().nonnegative(),
  }),
  embeddingsSha256: sha256,
});
export type AnnSection = z.infer<typeof annSectionSchema>;

/** rows × dimensions below which `auto` scans exactly (~1 ms in JS; 8,192 rows at 128 dimensions). */
export const AUTO_EXACT_MAX_WORK = 1 << 20;

export interface AnnLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface WriteAnnOptions {
  readonly params?: HnswParams;
  readonly calibration?: CalibrationOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Builds the graph and measures the breadth it needs (calibrate.ts); the index comes back set to it. */
export async function buildCalibrated(
  data: Float32Array,
  dimensions: number,
  options: WriteAnnOptions = {},
): Promise<{ index: HnswVectorIndex; calibration: Calibration }> {
  const index = await HnswVectorIndex.build(data, dimensions, {
    ...(options.params ? { params: options.params } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const calibration = calibrateExpansion(index, data, dimensions, options.calibration);
  index.expansionSearch = calibration.expansionSearch;
  return { index, calibration };
}

/**
 * A graph built and calibrated now, ready to serve: saved to a scratch file and opened from it with the
 * calibrated breadth inside the native object (hnsw-index.ts, `open`, says why that matters under load). The
 * built copy is dropped first; where the process runs with --expose-gc it is collected at once, since V8 does
 * not see the native memory behind it (a million rows: ~1 GB). `inspect` sees the built graph before that
 * (the benchmark sweeps the search breadth on it). If the scratch file cannot be written, the built copy serves.
 */
export async function buildServing(
  data: Float32Array,
  dimensions: number,
  options: WriteAnnOptions & { readonly scratchDir?: string; readonly inspect?: (built: HnswVectorIndex) => void } = {},
): Promise<{ index: HnswVectorIndex; calibration: Calibration; buildSeconds: number; openSeconds: number }> {
  const started = performance.now();
  // Assigned by destructuring so no other binding holds the built copy once `built` is cleared.
  let built: HnswVectorIndex | undefined;
  let calibration: Calibration;
  ({ index: built, calibration } = await buildCalibrated(data, dimensions, options));
  const buildSeconds = (performance.now() - started) / 1000;
  options.inspect?.(built);
  const params = { ...built.params, expansionSearch: calibration.expansionSearch };
  const scratch = join(options.scratchDir ?? tmpdir(), `roleplane-graph-${process.pid}-${Date.now()}.usearch`);
  try {
    try {
      built.save(scratch);
    } catch {
      return { index: built, calibration, buildSeconds, openSeconds: 0 };
    }
    built = undefined;
    await collectGarbage();
    const opened = performance.now();
    const index = HnswVectorIndex.open(scratch, data, dimensions, params);
    return { index, calibration, buildSeconds, openSeconds: (performance.now() - opened) / 1000 };
  } finally {
    await rm(scratch, { force: true }).catch(() => undefined);
  }
}

/** A full collection, twice around a turn of the event loop so native finalizers run; only with --expose-gc. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
}

/**
 * Builds the graph for `data` and writes it to `<dir>/vectors.usearch` through a temporary name, so a reader
 * never sees half a file. Returns the manifest section to record.
 */
export async function writeAnnFile(
  dir: string,
  data: Float32Array,
  dimensions: number,
  embeddingsSha256: string,
  options: WriteAnnOptions = {},
): Promise<AnnSection> {
  const params = options.params ?? defaultHnswParams(dimensions > 0 ? data.length / dimensions : 0);
  const { index, calibration } = await buildCalibrated(data, dimensions, { ...options, params });
  const path = join(dir, ANN_FILE);
  const partial = `${path}.partial-${process.pid}`;
  try {
    index.save(partial);
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  }
  const { sha256: digest, bytes } = await describeFile(path);
  return {
    file: ANN_FILE,
    sha256: digest,
    bytes,
    engine: ANN_ENGINE,
    usearch: HnswVectorIndex.nativeVersion(),
    metric: HNSW_METRIC,
    quantization: HNSW_QUANTIZATION,
    connectivity: params.connectivity,
    expansionAdd: params.expansionAdd,
    expansionSearch: calibration.expansionSearch,
    calibration: {
      recallAt10: calibration.recallAt10,
      targetRecall: calibration.targetRecall,
      sample: calibration.sample,
    },
    embeddingsSha256,
  };
}

export interface OpenVectorIndexOptions {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly data: Float32Array;
  readonly dimensions: number;
  readonly mode?: VectorIndexMode;
  readonly log?: AnnLog;
}

export interface OpenedVectorIndex {
  readonly index: VectorIndex;
  /** `exact`: no graph; `file`: vectors.usearch as recorded; `rebuilt`: the file was unusable (see `reason`). */
  readonly source: 'exact' | 'file' | 'rebuilt';
  readonly reason?: string;
  readonly seconds: number;
}

export function chooseExact(mode: VectorIndexMode, rows: number, dimensions: number): boolean {
  return mode === 'exact' || (mode === 'auto' && rows * dimensions < AUTO_EXACT_MAX_WORK);
}

/** The vector index for a loaded index directory: the stored graph if it checks out, else one built now. */
export async function openVectorIndex(options: OpenVectorIndexOptions): Promise<OpenedVectorIndex> {
  const { dir, manifest, data, dimensions, log } = options;
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const rows = dimensions > 0 ? data.length / dimensions : 0;
  if (chooseExact(options.mode ?? 'auto', rows, dimensions) || rows === 0) {
    return { index: new ExactVectorIndex(data, Math.max(dimensions, 1)), source: 'exact', seconds: seconds() };
  }
  const path = join(dir, ANN_FILE);
  const checked = await checkAnnFile(dir, manifest);
  if (checked.ok) {
    try {
      const { connectivity, expansionAdd } = checked.section;
      const { expansionSearch } = checked.section;
      const index = HnswVectorIndex.open(path, data, dimensions, { connectivity, expansionAdd, expansionSearch });
      log?.info({ file: path, rows, expansionSearch, seconds: seconds() }, 'vector graph loaded');
      return { index, source: 'file', seconds: seconds() };
    } catch (err) {
      return rebuild(`usearch could not use it: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return rebuild(checked.reason);

  async function rebuild(reason: string): Promise<OpenedVectorIndex> {
    log?.warn(
      { file: path, reason, rows },
      'vector graph file unusable; building the graph in memory from embeddings.npy (rerun the index build to store one)',
    );
    const { index, calibration } = await buildServing(data, dimensions);
    log?.info({ rows, calibration, expansionSearch: index.expansionSearch, seconds: seconds() }, 'vector graph built');
    return { index, source: 'rebuilt', reason, seconds: seconds() };
  }
}

type AnnCheck = { ok: true; section: AnnSection } | { ok: false; reason: string };

/** Whether the manifest's `ann` section and the file on disk agree with each other and with embeddings.npy. */
export async function checkAnnFile(dir: string, manifest: Manifest): Promise<AnnCheck> {
  if (manifest.ann === undefined)
    return {
      ok: false,
      reason: 'manifest.json has no "ann" section (an index built before the vector graph was stored)',
    };
  const parsed = annSectionSchema.safeParse(manifest.ann);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `ann.${issue.path.map(String).join('.')}: ${issue.message}`);
    return { ok: false, reason: `manifest.json "ann" section is not one this version reads (${problems.join('; ')})` };
  }
  const section = parsed.data;
  if (section.embeddingsSha256 !== manifest.files['embeddings.npy'].sha256) {
    return { ok: false, reason: 'stale: it was built from another embeddings.npy than the one beside it' };
  }
  const path = join(dir, section.file);
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})` };
  }
  if (bytes !== section.bytes)
    return { ok: false, reason: `has ${bytes} bytes, manifest.json says ${section.bytes} (truncated or replaced)` };
  const { sha256: digest } = await describeFile(path);
  if (digest !== section.sha256)
    return { ok: false, reason: `SHA-256 ${digest} does not match manifest.json (${section.sha256})` };
  return { ok: true, section };
}
