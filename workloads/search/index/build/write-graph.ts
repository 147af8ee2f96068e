import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILES } from '../format/files.js';
import {
  ANN_ENGINE,
  type AnnSection,
  describeFile,
  HNSW_METRIC,
  HNSW_QUANTIZATION,
  PROJECTED_METRIC,
  PROJECTED_QUANTIZATION,
} from '../format/manifest.js';
import { writeNpy } from '../format/npy.js';
import { buildCalibrated, type GraphBuildOptions } from '../serve/ann/build-graph.js';
import { verifyServed } from '../serve/ann/calibrate.js';
import { defaultHnswParams, HnswVectorIndex } from '../serve/ann/hnsw-index.js';

/**
 * Builds the graph for `data` and writes it to `<dir>/vectors.usearch` (and its projection, when it has one, to
 * `<dir>/vectors.projection.npy`) through temporary names, so a reader never sees half a file. Returns the manifest
 * section to record: its breadth and recall are checked on the file as the service opens it (calibrate.ts,
 * verifyServed), so the manifest promises what the service will get.
 */
export async function writeGraphFile(
  dir: string,
  data: Float32Array,
  dimensions: number,
  embeddingsSha256: string,
  options: GraphBuildOptions = {},
): Promise<AnnSection> {
  const params = options.params ?? defaultHnswParams(dimensions > 0 ? data.length / dimensions : 0);
  const built = await buildCalibrated(data, dimensions, { ...options, params });
  const path = join(dir, INDEX_FILES.graph);
  const { projection } = built.index;
  const projectionPath = join(dir, INDEX_FILES.projection);
  // A projection left from an earlier build would otherwise sit beside a graph that does not use it.
  if (projection) await writeNpy(projectionPath, projection.basis, [projection.width, projection.dimensions]);
  else await rm(projectionPath, { force: true });
  const partial = `${path}.partial-${process.pid}`;
  try {
    built.index.save(partial);
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  }
  const served = HnswVectorIndex.open(
    path,
    data,
    dimensions,
    { ...params, expansionSearch: built.calibration.expansionSearch },
    projection,
  );
  const calibration = verifyServed(served, built.probes, built.calibration);
  const { sha256: digest, bytes } = await describeFile(path);
  return {
    file: INDEX_FILES.graph,
    sha256: digest,
    bytes,
    engine: ANN_ENGINE,
    usearch: HnswVectorIndex.nativeVersion(),
    metric: projection ? PROJECTED_METRIC : HNSW_METRIC,
    quantization: projection ? PROJECTED_QUANTIZATION : HNSW_QUANTIZATION,
    ...(projection
      ? {
          projection: {
            file: INDEX_FILES.projection,
            ...(await describeFile(projectionPath)),
            width: projection.width,
            retainedVariance: projection.retainedVariance,
          },
        }
      : {}),
    connectivity: params.connectivity,
    expansionAdd: params.expansionAdd,
    expansionSearch: calibration.expansionSearch,
    calibration: {
      recallAt10: calibration.recallAt10,
      targetRecall: calibration.targetRecall,
      sample: calibration.sample,
      ...(calibration.queries ? { queryProbes: calibration.queries.probes } : {}),
    },
    embeddingsSha256,
  };
}
