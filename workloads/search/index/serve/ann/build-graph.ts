import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calibrateExpansion,
  calibrationProbes,
  heldOutRows,
  verifyServed,
  type Calibration,
  type CalibrationOptions,
  type CalibrationProbes,
} from './calibrate.js';
import { HnswVectorIndex, type HnswParams } from './hnsw-index.js';
import { fitProjection, type Projection } from './projection.js';

/**
 * A graph built from float32 rows and set to the search breadth its own data needs (calibrate.ts): the index build
 * stores one (build/write-graph.ts); the service builds one at start-up when the stored one cannot be used. Either
 * way the breadth is checked again on the graph opened from its file (verifyServed), since that is what serves.
 */

export interface GraphBuildOptions {
  readonly params?: HnswParams;
  readonly calibration?: CalibrationOptions;
  /** Native threads for insertion (more than one: a different graph each build). @default 0 - every core */
  readonly threads?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * The projection to navigate in (projection.ts), or false for none. @default fitted to the data, when it has
   * one worth using
   */
  readonly projection?: Projection | false;
  /** Embedded shopper-like query texts to calibrate on too (calibrate.ts, `queries`). @default none */
  readonly queryProbes?: readonly Float32Array[];
}

/**
 * Builds the graph with calibrate.ts's held-out rows left out, measures the breadth they need, adds them, and
 * measures the breadth the moves need; the index comes back set to the wider, with the probes for verifyServed.
 * A graph in a projection that cannot reach the target at any breadth (the dropped directions decide too many
 * rankings) is built again at full width, and the one that promises more is kept.
 */
export async function buildCalibrated(
  data: Float32Array,
  dimensions: number,
  options: GraphBuildOptions = {},
): Promise<{ index: HnswVectorIndex; calibration: Calibration; probes: CalibrationProbes }> {
  const threads = options.threads ?? 0;
  const heldOut = heldOutRows(dimensions > 0 ? data.length / dimensions : 0, options.calibration);
  const probes = calibrationProbes(data, dimensions, heldOut, options.calibration, options.queryProbes);
  const projection =
    options.projection === undefined ? fitProjection(data, dimensions) : options.projection || undefined;
  const attempt = async (
    chosen: Projection | undefined,
  ): Promise<{ index: HnswVectorIndex; calibration: Calibration; probes: CalibrationProbes }> => {
    const index = await HnswVectorIndex.build(data, dimensions, {
      ...(options.params ? { params: options.params } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(chosen ? { projection: chosen } : {}),
      threads,
      heldOut,
    });
    const calibration = await calibrateExpansion(index, probes, () => index.addRows(heldOut, threads));
    return { index, calibration, probes };
  };
  const built = await attempt(projection);
  if (projection === undefined || built.calibration.recallAt10 >= built.calibration.targetRecall) return built;
  // Neither may reach the target (queries far from every product): serve the one that promises more.
  const fullWidth = await attempt(undefined);
  return fullWidth.calibration.recallAt10 > built.calibration.recallAt10 ? fullWidth : built;
}

/**
 * A graph built and calibrated now, ready to serve: saved to a scratch file and opened from it with the
 * calibrated breadth inside the native object, which is then checked on the opened graph (verifyServed) (hnsw-index.ts, `open`, says why that matters under load). The
 * built copy is dropped first; where the process runs with --expose-gc it is collected at once, since V8 does
 * not see the native memory behind it (a million rows: ~1 GB). `inspect` sees the built graph before that
 * (the benchmark sweeps the search breadth on it). If the scratch file cannot be written, the built copy serves.
 */
export async function buildServing(
  data: Float32Array,
  dimensions: number,
  options: GraphBuildOptions & {
    readonly scratchDir?: string;
    readonly inspect?: (built: HnswVectorIndex) => void;
  } = {},
): Promise<{ index: HnswVectorIndex; calibration: Calibration; buildSeconds: number; openSeconds: number }> {
  const started = performance.now();
  // Assigned by destructuring so no other binding holds the built copy once `built` is cleared.
  let built: HnswVectorIndex | undefined;
  let calibration: Calibration;
  let probes: CalibrationProbes;
  ({ index: built, calibration, probes } = await buildCalibrated(data, dimensions, options));
  const buildSeconds = (performance.now() - started) / 1000;
  options.inspect?.(built);
  const params = { ...built.params, expansionSearch: calibration.expansionSearch };
  const { projection } = built;
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
    const index = HnswVectorIndex.open(scratch, data, dimensions, params, projection);
    const openSeconds = (performance.now() - opened) / 1000;
    return { index, calibration: verifyServed(index, probes, calibration), buildSeconds, openSeconds };
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
