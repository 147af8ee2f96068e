import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * usearch's native index, without its JavaScript wrapper. The wrapper (usearch 2.25.3) turns every Int8Array
 * into a Float32Array before the native call, and the native f32 → i8 cast then scales by the vector's L2 norm
 * and truncates: a 768-dimension unit vector's components (~±0.04) land on about five integer levels, and
 * recall@10 before re-ranking falls to ~0.8 (measured). Handing the native index Int8Arrays that we quantised
 * ourselves (per-row max-abs scale, rounded, see quantize.ts) keeps ~7 bits per component. The native class
 * takes positional arguments and does no checking, so this module is the one place that calls it, with types.
 *
 * The version is pinned exactly in package.json: this is not usearch's documented API.
 */

/** What the native search returns: `counts[q]` valid entries at `keys[q * k ...]` for query `q`. */
export type NativeSearchResult = [keys: BigUint64Array, distances: Float32Array, counts: BigUint64Array];

export interface NativeIndex {
  add(keys: BigUint64Array, vectors: Int8Array | Float32Array, threads: number): void;
  search(queries: Int8Array | Float32Array, k: number, threads: number): NativeSearchResult;
  dimensions(): number;
  connectivity(): number;
  size(): number;
  save(path: string): void;
  load(path: string): void;
  /** Memory-maps a saved index instead of reading it: searchable, read-only, pages shared with other readers. */
  view(path: string): void;
}

export type Metric = 'cos' | 'ip' | 'l2sq';
export type Quantization = 'i8' | 'f32';

interface NativeModule {
  /** Brute-force top-`count` of each query over `dataset` (SIMD, `threads` cores). Pass arrays that own their buffer. */
  exactSearch(
    dataset: Float32Array,
    queries: Float32Array,
    dimensions: number,
    count: number,
    metric: Metric,
    threads: number,
  ): NativeSearchResult;
  CompiledIndex: new (
    dimensions: number,
    metric: Metric,
    quantization: Quantization,
    connectivity: number,
    expansionAdd: number,
    expansionSearch: number,
    multi: boolean,
  ) => NativeIndex;
}

export const USEARCH_VERSION_EXPECTED = '2.25.3';

let cached: { module: NativeModule; version: string } | undefined;

/** usearch's package directory: its main file lives at javascript/dist/<cjs|esm>/usearch.js. */
function usearchPackageDir(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('usearch'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'usearch')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('usearch: package.json not found above its main file');
    dir = parent;
  }
}

/** Loads the prebuilt binary shipped inside the npm package (node-gyp-build picks linux-x64 etc.). */
export function loadUsearchNative(): { module: NativeModule; version: string } {
  if (cached) return cached;
  const dir = usearchPackageDir();
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  if (version !== USEARCH_VERSION_EXPECTED) {
    throw new Error(
      `usearch ${version} is installed but roleplane is built against ${USEARCH_VERSION_EXPECTED} (its native API is used directly); run npm ci`,
    );
  }
  const load = createRequire(join(dir, 'package.json'))('node-gyp-build') as (dir: string) => unknown;
  const module = load(dir) as Partial<NativeModule>;
  if (typeof module.CompiledIndex !== 'function')
    throw new Error(`usearch ${version}: the native binary has no CompiledIndex`);
  cached = { module: module as NativeModule, version };
  return cached;
}

export interface NativeIndexConfig {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly quantization: Quantization;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
}

export function createNativeIndex(config: NativeIndexConfig): NativeIndex {
  const { module } = loadUsearchNative();
  for (const key of ['dimensions', 'connectivity', 'expansionAdd', 'expansionSearch'] as const) {
    if (!Number.isInteger(config[key]) || config[key] <= 0)
      throw new RangeError(`usearch index: ${key} must be a positive integer (got ${config[key]})`);
  }
  return new module.CompiledIndex(
    config.dimensions,
    config.metric,
    config.quantization,
    config.connectivity,
    config.expansionAdd,
    config.expansionSearch,
    false,
  );
}
