import { Prng } from './prng.js';
import { ExactVectorIndex, type Hit } from '../vector-index.js';
import type { HnswVectorIndex } from './hnsw-index.js';
import { loadUsearchNative } from './usearch-native.js';

/**
 * Picks the graph's search breadth (ef) for this index: the smallest step at which the recall@10 of probe
 * queries, less its sampling error, reaches the target. The probes must be at least as hard as shoppers' queries,
 * which the build never sees, so there are two kinds and the breadth must satisfy both:
 *
 * - held-out rows: rows kept out of the graph until their breadth is measured (then added), searched for as
 *   queries: points of the data's own distribution that the graph has never seen, a query like a product.
 * - moves: a row moved along the directions its data varies in locally (the difference of two of its 100
 *   nearest rows) by a chord of 0.4–0.8, to cosine 0.93–0.78 with it: a query vaguer than any variant of a
 *   product, still among the products (a move toward random rows instead lands between unrelated clusters,
 *   where no query goes, and asked clustered data for ef > 1024).
 *
 * Why not the row + a random direction of its nearest-neighbour distance (what this replaces): in 768 dimensions a
 * random direction is nearly orthogonal to the few the data varies along, so such a probe ranks the rows as its
 * row does, and the row's neighbours are the graph's own links. On anisotropic, family-structured embeddings it
 * promised 0.99 at ef 16 where held-out queries got 0.91 (65,536 × 768, npm run bench:vectors -- --data families).
 * Measured there, moves track shoppers' vaguer queries (--data families) and held-out rows track queries drawn
 * like rows (--data anisotropic), which moves underrate.
 *
 * - queries (when the build has a model): short fragments of product titles embedded by the query model, as a
 *   shopper types them. A short text is often far from every product (measured: a random-weight 768-d model put the
 *   best product at cosine 0.27 on average), and a graph built from rows finds such queries' neighbours much worse
 *   than a row's: recall@10 0.52 where rows and moves promised 0.99 (npm run bench:http's index). The breadth
 *   is widened for them too, up to QUERY_BREADTH_CAP (or the rows' own breadth, if wider): that index needed ef
 *   1024 for 0.98, at 8× the cost per query. What they do not reach there is said in the promise.
 *
 * Recall is tie-aware: a result counts when its exact score reaches the true 10th score (near-duplicate products
 * share scores, and any of them is a right answer). The margin is statistical: a breadth passes when the mean
 * recall less Z_MARGIN standard errors over the probes (200 of each kind) reaches the target. The breadth is
 * measured at build time and recorded in the manifest; build-graph.ts then checks the moves again on the graph as
 * it is served, opened from its file, and widens the breadth if they fall short.
 */

export const EXPANSION_STEPS = [16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024] as const;
/** The widest breadth the embedded query texts may ask for beyond what the rows need (see `queries` above). */
export const QUERY_BREADTH_CAP = 256;

export interface CalibrationOptions {
  /** Probe queries of each kind (held-out rows: at most a tenth of the rows). @default 200 */
  readonly sample?: number;
  /** @default 0.99 */
  readonly targetRecall?: number;
  /** Threads for the exact reference search. @default 0 - every core */
  readonly threads?: number;
}

export interface Calibration {
  readonly expansionSearch: number;
  /**
   * The recall@10 promised at that breadth: the target, or the lower of the two kinds' lower bounds where that is
   * less (only when even the widest step falls short); 1 when the breadth covers every row. After verifyServed,
   * the moves' figure is the served graph's.
   */
  readonly recallAt10: number;
  readonly targetRecall: number;
  /** Move probes (held-out rows: `heldOut.probes` of them). */
  readonly sample: number;
  /** The held-out rows' recall at the breadth they need (measured before they were added to the graph). */
  readonly heldOut?: RecallEstimate & { readonly expansionSearch: number };
  /** The moves' recall at `expansionSearch`. */
  readonly moves?: RecallEstimate;
  /** The embedded query texts' recall at `expansionSearch`. */
  readonly queries?: RecallEstimate;
  /** Whether the moves were measured on the graph opened from its file (verifyServed). */
  readonly isServedChecked?: boolean;
}

const K = 10;
/** Standard errors below the mean that must still reach the target (one-sided, ~98%). */
export const Z_MARGIN = 2;
/** How far a move takes its row (chord length on the unit sphere: cosine 0.93 down to 0.78 to the row). */
const MOVE_RANGE: readonly [number, number] = [0.4, 0.8];
/** A move's direction is the difference of two of its row's this many nearest rows. */
const NEIGHBOURHOOD = 100;
/** Rows (at most) kept out of the graph per row in it: a tenth, so small indexes still have neighbours. */
const HELD_OUT_SHARE = 0.1;

/** Probe queries and their exact answers: the true top 10 and the 10th score (for tie-aware recall). */
export interface ProbeSet {
  readonly queries: readonly Float32Array[];
  readonly truth: readonly { readonly rows: readonly number[]; readonly tenth: number }[];
}

/** The two kinds of probes for one index; `heldOutRows` must be kept out of the graph until `heldOut` is measured. */
export interface CalibrationProbes {
  readonly heldOutRows: readonly number[];
  /** Answers over every row except `heldOutRows`. */
  readonly heldOut: ProbeSet;
  /** Answers over every row. */
  readonly moves: ProbeSet;
  /** Embedded query texts, answers over every row; absent when the build has none. */
  readonly queries?: ProbeSet;
  readonly targetRecall: number;
}

/** What a probe set measured at one breadth. */
export interface RecallEstimate {
  readonly mean: number;
  /** mean − Z_MARGIN standard errors. */
  readonly lowerBound: number;
  readonly probes: number;
}

/** Rows to keep out of the graph while it is calibrated: evenly spaced, none for an index too small to calibrate. */
export function heldOutRows(count: number, options: CalibrationOptions = {}): number[] {
  const held = Math.min(options.sample ?? 200, Math.floor(count * HELD_OUT_SHARE));
  if (count <= K + 1 || held <= 0) return [];
  return Array.from({ length: held }, (_, i) => Math.floor(((i + 0.5) * count) / held));
}

/** Both probe sets with their exact answers; the expensive part (exact scans), done once per build. */
export function calibrationProbes(
  data: Float32Array,
  dimensions: number,
  heldOut: readonly number[],
  options: CalibrationOptions = {},
  queryVectors: readonly Float32Array[] = [],
): CalibrationProbes {
  const count = data.length / dimensions;
  const targetRecall = options.targetRecall ?? 0.99;
  const threads = options.threads ?? 0;
  const exact = new ExactVectorIndex(data, dimensions);
  const sample = count <= K + 1 ? 0 : Math.min(options.sample ?? 200, count);
  const origins = Array.from({ length: sample }, (_, i) => Math.floor(((i + 0.5) * count) / sample));
  const rowQuery = (row: number): Float32Array => data.slice(row * dimensions, (row + 1) * dimensions);

  // One exact scan per distinct row: its neighbours give a held-out row's answers and a move's directions.
  const scanned = [...new Set([...heldOut, ...origins])];
  const ask = Math.min(count, NEIGHBOURHOOD + 1 + Math.min(heldOut.length, K));
  const neighbours = new Map<number, number[]>();
  nativeTopK(data, dimensions, scanned.map(rowQuery), ask, threads).forEach((rows, i) =>
    neighbours.set(scanned[i] as number, rows),
  );

  const excluded = new Set(heldOut);
  const heldQueries = heldOut.map(rowQuery);
  const heldTruth = heldQueries.map((query, i) =>
    exactAnswer(exact, query, excluded, neighbours.get(heldOut[i] as number) ?? []),
  );

  const prng = new Prng(0x5eed);
  const moveQueries = origins.map((row) => {
    const near = (neighbours.get(row) ?? []).filter((other) => other !== row).slice(0, NEIGHBOURHOOD);
    const probe = rowQuery(row);
    if (near.length < 2) return probe;
    const a = near[prng.int(0, near.length - 1)] as number;
    let b = near[prng.int(0, near.length - 2)] as number;
    if (b === a) b = near[near.length - 1] as number;
    const direction = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d += 1)
      direction[d] = (data[a * dimensions + d] as number) - (data[b * dimensions + d] as number);
    const length = Math.hypot(...direction);
    if (length === 0) return probe;
    const step = (MOVE_RANGE[0] + (MOVE_RANGE[1] - MOVE_RANGE[0]) * prng.next()) / length;
    for (let d = 0; d < dimensions; d += 1) probe[d] = (probe[d] as number) + step * (direction[d] as number);
    const norm = Math.hypot(...probe) || 1;
    for (let d = 0; d < dimensions; d += 1) probe[d] = (probe[d] as number) / norm;
    return probe;
  });
  const scannedMoves = nativeTopK(data, dimensions, moveQueries, Math.min(count, K + 10), threads);
  const moveTruth = moveQueries.map((query, i) => exactAnswer(exact, query, new Set(), scannedMoves[i] ?? []));
  const texts = sample > 0 ? queryVectors.filter((query) => query.length === dimensions) : [];
  const scannedTexts = nativeTopK(data, dimensions, texts, Math.min(count, K + 10), threads);
  const textTruth = texts.map((query, i) => exactAnswer(exact, query, new Set(), scannedTexts[i] ?? []));
  return {
    heldOutRows: heldOut,
    heldOut: { queries: heldQueries, truth: heldTruth },
    moves: { queries: moveQueries, truth: moveTruth },
    ...(texts.length > 0 ? { queries: { queries: texts, truth: textTruth } } : {}),
    targetRecall,
  };
}

/** Tie-aware recall@10 of `search` over a probe set, with its lower bound. */
export function measureRecall(probes: ProbeSet, search: (query: Float32Array) => readonly Hit[]): RecallEstimate {
  const n = probes.queries.length;
  if (n === 0) return { mean: 1, lowerBound: 1, probes: 0 };
  let sum = 0;
  let squares = 0;
  probes.queries.forEach((query, i) => {
    const truth = probes.truth[i] as ProbeSet['truth'][number];
    if (truth.rows.length === 0) {
      sum += 1;
      squares += 1;
      return;
    }
    let hits = 0;
    for (const hit of search(query).slice(0, truth.rows.length)) if (hit.score >= truth.tenth) hits += 1;
    const recall = hits / truth.rows.length;
    sum += recall;
    squares += recall * recall;
  });
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (squares - n * mean * mean) / (n - 1)) : 0;
  return { mean, lowerBound: Math.max(0, mean - Z_MARGIN * Math.sqrt(variance / n)), probes: n };
}

/** Whether an estimate keeps the promise: its lower bound reaches the target. */
export function meetsTarget(estimate: RecallEstimate, targetRecall: number): boolean {
  return estimate.lowerBound >= targetRecall;
}

/**
 * The smallest step at which `search` (at a breadth) meets the target on the probe set, from `from` up, with its
 * estimate; the widest step when none does.
 */
export function smallestBreadth(
  probes: ProbeSet,
  targetRecall: number,
  search: (query: Float32Array, expansion: number) => readonly Hit[],
  from: number = EXPANSION_STEPS[0],
  to: number = EXPANSION_STEPS[EXPANSION_STEPS.length - 1] as number,
): { expansionSearch: number; estimate: RecallEstimate } {
  const steps = EXPANSION_STEPS.filter((step) => step >= from && step <= Math.max(from, to));
  if (steps.length === 0) steps.push(EXPANSION_STEPS[EXPANSION_STEPS.length - 1] as (typeof EXPANSION_STEPS)[number]);
  let last: { expansionSearch: number; estimate: RecallEstimate } | undefined;
  for (const expansionSearch of steps) {
    last = { expansionSearch, estimate: measureRecall(probes, (query) => search(query, expansionSearch)) };
    if (meetsTarget(last.estimate, targetRecall)) return last;
  }
  return last as { expansionSearch: number; estimate: RecallEstimate };
}

/**
 * Calibrates a graph built without `probes.heldOutRows`: finds the breadth the held-out rows need, calls
 * `addHeldOut` (which must put them into the graph), then the breadth the moves need on the whole graph, from
 * there up. The index is left set to the breadth found.
 */
export async function calibrateExpansion(
  index: HnswVectorIndex,
  probes: CalibrationProbes,
  addHeldOut: () => void | Promise<void>,
): Promise<Calibration> {
  const { targetRecall } = probes;
  const search = (query: Float32Array, expansion: number): Hit[] => index.searchWithExpansion(query, K, expansion);
  const heldOut = smallestBreadth(probes.heldOut, targetRecall, search);
  await addHeldOut();
  let moves = smallestBreadth(probes.moves, targetRecall, search, heldOut.expansionSearch);
  let queries: ReturnType<typeof smallestBreadth> | undefined;
  if (probes.queries) {
    queries = smallestBreadth(
      probes.queries,
      targetRecall,
      search,
      moves.expansionSearch,
      Math.max(QUERY_BREADTH_CAP, moves.expansionSearch),
    );
    // The moves at the breadth the queries need (a wider one finds at least as much, so they still pass).
    const breadth = queries.expansionSearch;
    if (breadth > moves.expansionSearch)
      moves = { expansionSearch: breadth, estimate: measureRecall(probes.moves, (query) => search(query, breadth)) };
  }
  index.expansionSearch = moves.expansionSearch;
  const estimates = [heldOut.estimate, moves.estimate, ...(queries ? [queries.estimate] : [])];
  return {
    expansionSearch: moves.expansionSearch,
    // Held-out recall was measured at its own (narrower or equal) breadth: a wider one finds at least as much.
    recallAt10: promise(index.count, moves.expansionSearch, targetRecall, estimates),
    targetRecall,
    sample: probes.moves.queries.length,
    heldOut: { ...heldOut.estimate, expansionSearch: heldOut.expansionSearch },
    moves: moves.estimate,
    ...(queries ? { queries: queries.estimate } : {}),
  };
}

/**
 * The promise checked on the graph as it is served (opened from its file, searched through `search`): the
 * moves are measured again at the index's breadth, which is widened step by step while they fall short. Returns
 * the calibration to record, its moves' figure now the served graph's; the index is left at its breadth.
 */
export function verifyServed(
  served: HnswVectorIndex,
  probes: CalibrationProbes,
  calibration: Calibration,
): Calibration {
  const { targetRecall } = probes;
  let expansionSearch = Math.max(served.expansionSearch, calibration.expansionSearch);
  for (;;) {
    served.expansionSearch = expansionSearch;
    const estimate = measureRecall(probes.moves, (query) => served.search(query, K));
    const queries = probes.queries ? measureRecall(probes.queries, (query) => served.search(query, K)) : undefined;
    const wider = EXPANSION_STEPS.find((step) => step > expansionSearch);
    // Only the moves widen it here: the queries' breadth was capped at build time; here they are measured for the
    // promise.
    if (meetsTarget(estimate, targetRecall) || wider === undefined) {
      return {
        ...calibration,
        expansionSearch,
        recallAt10: promise(served.count, expansionSearch, targetRecall, [
          ...(calibration.heldOut ? [calibration.heldOut] : []),
          estimate,
          ...(queries ? [queries] : []),
        ]),
        moves: estimate,
        ...(queries ? { queries } : {}),
        isServedChecked: true,
      };
    }
    expansionSearch = wider;
  }
}

/**
 * What a breadth promises: the target it was chosen for, or less where a probe set's lower bound is less (the
 * widest step fell short). Never the probes' own figure above the target: they stand in for queries the build
 * never sees, and measured 1.0 where held-out queries got 0.993 (--data families). A breadth of at least the row
 * count searches every row: 1.
 */
function promise(
  count: number,
  expansionSearch: number,
  targetRecall: number,
  estimates: readonly RecallEstimate[],
): number {
  if (expansionSearch >= count) return 1;
  return Math.min(targetRecall, ...estimates.map((e) => e.lowerBound));
}

/**
 * A query's exact top 10 by dot product, skipping `excluded` rows, and its 10th score as ExactVectorIndex computes
 * it (the float32 dot product the graph's re-scoring uses, so equal rows score equal). `candidates` are the SIMD
 * scan's best rows (a few more than 10, so rounding differences between the two do not decide which row is 10th);
 * when too few of them are allowed, the whole index is scanned.
 */
function exactAnswer(
  exact: ExactVectorIndex,
  query: Float32Array,
  excluded: ReadonlySet<number>,
  candidates: readonly number[],
): ProbeSet['truth'][number] {
  const allowed = (row: number): boolean => !excluded.has(row);
  const available = exact.count - excluded.size;
  const want = Math.min(K, available);
  const kept = candidates.filter(allowed).sort((a, b) => a - b);
  const top = exact.search(query, want, kept.length >= Math.min(want + 5, available) ? kept : allowed);
  return { rows: top.map((h) => h.row), tenth: top.at(-1)?.score ?? Number.NEGATIVE_INFINITY };
}

/** Each query's top `k` rows by the SIMD brute force (usearch), or the JS scan for a view it cannot read. */
function nativeTopK(
  data: Float32Array,
  dimensions: number,
  queries: readonly Float32Array[],
  k: number,
  threads: number,
): number[][] {
  if (queries.length === 0) return [];
  // usearch 2.25.3's brute force reads the array from its buffer's start, ignoring a view's offset (it then
  // answers for the wrong rows without an error): only hand it one that owns its buffer.
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    const packed = new Float32Array(queries.length * dimensions);
    queries.forEach((query, i) => packed.set(query, i * dimensions));
    const [keys, , counts] = loadUsearchNative().module.exactSearch(data, packed, dimensions, k, 'ip', threads);
    return queries.map((_, i) => Array.from({ length: Number(counts[i]) }, (_, j) => Number(keys[i * k + j])));
  }
  const exact = new ExactVectorIndex(data, dimensions);
  return queries.map((query) => exact.search(query, k).map((h) => h.row));
}
