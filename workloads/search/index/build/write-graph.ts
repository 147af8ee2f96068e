import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILES } from '../format/files.js';
import { ANN_ENGINE, type AnnSection, describeFile, HNSW_METRIC, HNSW_QUANTIZATION } from '../format/manifest.js';
import { buildCalibrated, type GraphBuildOptions } from '../serve/ann/build-graph.js';
import { verifyServed } from '../serve/ann/calibrate.js';
import { defaultHnswParams, HnswVectorIndex } from '../serve/ann/hnsw-index.js';

/**
 * Builds the graph for `data` and writes it to `<dir>/vectors.usearch` through a temporary name, so a reader
 * never sees half a file. Returns the manifest section to record: its breadth and recall are checked on the file
 * as the service opens it (calibrate.ts, verifyServed), so the manifest promises what the service will get.
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
  const partial = `${path}.partial-${process.pid}`;
  try {
    built.index.save(partial);
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  }
  const served = HnswVectorIndex.open(path, data, dimensions, {
    ...params,
    expansionSearch: built.calibration.expansionSearch,
  });
  const calibration = verifyServed(served, built.probes, built.calibration);
  const { sha256: digest, bytes } = await describeFile(path);
  return {
    file: INDEX_FILES.graph,
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
