import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILES } from '../format/files.js';
import { annSectionSchema, type AnnSection, describeFile, type Manifest } from '../format/manifest.js';
import { readNpy } from '../format/npy.js';
import { buildServing } from './ann/build-graph.js';
import { HnswVectorIndex } from './ann/hnsw-index.js';
import { projectionFromBasis, type Projection } from './ann/projection.js';
import { ExactVectorIndex, PageCacheRows, type VectorIndex, type VectorRows } from './vector-index.js';
import type { VectorIndexMode } from './vector-index-mode.js';

/**
 * The vector index a loaded index directory is searched with: the exact scan for small indexes, else the HNSW graph
 * stored beside embeddings.npy (vectors.usearch, vouched for by the manifest's `ann` section).
 *
 * The service uses the graph file only if the section parses, the file (and its projection, when it has one) has
 * its size and SHA-256, it was built from the embeddings.npy beside it, and usearch loads it with one node per row.
 * Anything else — no section (an index from before the graph existed), a copy gone stale, a truncated file — and
 * the graph is rebuilt in memory from embeddings.npy, with a warning that says why: slower start, never a wrong
 * answer.
 */

/** rows × dimensions below which `auto` scans exactly (~1 ms in JS; 8,192 rows at 128 dimensions). */
export const AUTO_EXACT_MAX_WORK = 1 << 20;

export interface AnnLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface OpenVectorIndexOptions {
  readonly dir: string;
  readonly manifest: Manifest;
  /** The float32 rows, in memory or in the page cache (load-index.ts). */
  readonly data: VectorRows;
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
  const rows = data instanceof PageCacheRows ? data.count : dimensions > 0 ? data.length / dimensions : 0;
  if (chooseExact(options.mode ?? 'auto', rows, dimensions) || rows === 0) {
    return { index: new ExactVectorIndex(data, Math.max(dimensions, 1)), source: 'exact', seconds: seconds() };
  }
  const path = join(dir, INDEX_FILES.graph);
  const checked = await checkAnnFile(dir, manifest);
  if (checked.ok) {
    try {
      const { connectivity, expansionAdd, expansionSearch } = checked.section;
      const projection = await readProjection(dir, checked.section, dimensions);
      const params = { connectivity, expansionAdd, expansionSearch };
      const index = HnswVectorIndex.open(path, data, dimensions, params, projection);
      log?.info(
        { file: path, rows, expansionSearch, projectedWidth: projection?.width, seconds: seconds() },
        'vector graph loaded',
      );
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
    // Building needs every row at hand: page-cache rows are read into memory, and the rebuilt graph serves from that
    // copy (the stored graph, once the index build has written one, serves from the page cache again).
    const { index, calibration } = await buildServing(
      data instanceof PageCacheRows ? data.read(0, data.count, new Float32Array(data.count * dimensions)) : data,
      dimensions,
    );
    log?.info(
      {
        rows,
        calibration,
        expansionSearch: index.expansionSearch,
        projectedWidth: index.projection?.width,
        seconds: seconds(),
      },
      'vector graph built',
    );
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
  if (section.embeddingsSha256 !== manifest.files[INDEX_FILES.embeddings].sha256) {
    return { ok: false, reason: 'stale: it was built from another embeddings.npy than the one beside it' };
  }
  const graph = await fileProblem(dir, section);
  if (graph !== undefined) return { ok: false, reason: graph };
  if (section.projection) {
    const projection = await fileProblem(dir, section.projection);
    if (projection !== undefined)
      return { ok: false, reason: `its projection ${section.projection.file} ${projection}` };
  }
  return { ok: true, section };
}

/** What is wrong with a file the manifest vouches for (size, then SHA-256), or undefined. */
async function fileProblem(
  dir: string,
  entry: { readonly file: string; readonly bytes: number; readonly sha256: string },
): Promise<string | undefined> {
  const path = join(dir, entry.file);
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`;
  }
  if (bytes !== entry.bytes) return `has ${bytes} bytes, manifest.json says ${entry.bytes} (truncated or replaced)`;
  const { sha256: digest } = await describeFile(path);
  if (digest !== entry.sha256) return `SHA-256 ${digest} does not match manifest.json (${entry.sha256})`;
  return undefined;
}

/** The projection a checked section names, read and checked to be `width` unit directions of `dimensions`. */
async function readProjection(dir: string, section: AnnSection, dimensions: number): Promise<Projection | undefined> {
  if (!section.projection) return undefined;
  const path = join(dir, section.projection.file);
  const { data, shape } = await readNpy(path);
  if (shape[0] !== section.projection.width || shape[1] !== dimensions)
    throw new Error(`${path}: ${shape[0]} × ${shape[1]}, expected ${section.projection.width} × ${dimensions}`);
  return projectionFromBasis(data, shape[0], shape[1], section.projection.retainedVariance);
}
