import { resolve } from 'node:path';
import type { Embedder } from '../../embedder/embedder.js';
import { describeFile, type ProductEmbeddingsSection } from '../format/manifest.js';
import { FLOAT_DESCRS, type FloatDescr, NpyError, type NpyRowReader, openNpyRows } from '../format/npy.js';
import { UNIT_LENGTH_TOLERANCE } from '../format/unit-length.js';

/**
 * `roleplane search index --embeddings products.npy`: product vectors computed elsewhere (a NumPy pipeline, a
 * batch job on a GPU), row i = the catalog's i-th product, instead of embedding the catalog with `--model`.
 *
 * Checked before they reach the index, each failure naming the file:
 *   - a 2-D little-endian float matrix in C order: float32, or float16/float64, which are converted to float32
 *     (np.save of a float64 array is the common accident; the values survive the conversion as cosines do);
 *   - as many columns as the query model embeds (the service compares every query vector with these rows);
 *   - as many rows as the catalog has products (blank lines do not count), so row i is product i;
 *   - every value finite and no row all zeros (a zero row has no direction: no cosine exists for it).
 *
 * Rows are normalised to unit length, not refused when they are not: the service ranks by cosine (the dot
 * product of unit vectors, and the graph's metric is cosine), the query side is normalised by the embedder, and
 * many pipelines save raw model output (sentence-transformers' `encode` does not normalise unless asked). Scaling
 * a row changes no cosine, so normalising is what the service would compute anyway; a model meant for raw dot
 * products cannot be served as such by this index in any case. How far the rows were from unit length goes into
 * the manifest and the command's output.
 */

export const EMBEDDING_INPUT_DTYPES = Object.keys(FLOAT_DESCRS) as FloatDescr[];

/** A product-embeddings file that cannot be used; the message starts with the file's path. */
export class ProductEmbeddingsError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ProductEmbeddingsError';
  }
}

export interface ProductEmbeddingsFile {
  readonly path: string;
  readonly rows: number;
  readonly dimensions: number;
  /** Fails unless the file has one row per catalog product. */
  checkRows(products: number, catalogPath: string): void;
  /** Rows `from` … `from + count - 1`, checked and scaled to unit length, as float32. */
  readUnitRows(from: number, count: number): Promise<Float32Array>;
  /** The manifest's `productEmbeddings` section, once every row has been read. */
  describe(): Promise<ProductEmbeddingsSection>;
  close(): Promise<void>;
}

/** Opens `path` and checks its header against the query model; the rows are checked as they are read. */
export async function openProductEmbeddings(
  path: string,
  queryModel: Pick<Embedder, 'modelId' | 'dimensions' | 'model'>,
): Promise<ProductEmbeddingsFile> {
  const file = resolve(path);
  let reader: NpyRowReader;
  try {
    reader = await openNpyRows(file, EMBEDDING_INPUT_DTYPES);
  } catch (err) {
    throw asInputError(file, err);
  }
  const [rows, columns] = reader.header.shape;
  const model = queryModel.model ? `${queryModel.model.name} (${queryModel.modelId})` : queryModel.modelId;
  if (columns !== queryModel.dimensions) {
    await reader.close();
    throw new ProductEmbeddingsError(
      file,
      `has ${columns} columns but the query model ${model} embeds ${queryModel.dimensions} dimensions; ` +
        'product and query vectors must come from the same model (--model)',
    );
  }

  let rescaledRows = 0;
  let minNorm = Number.POSITIVE_INFINITY;
  let maxNorm = 0;
  let rowsRead = 0;
  return {
    path: file,
    rows,
    dimensions: columns,
    checkRows(products: number, catalogPath: string): void {
      if (rows !== products) {
        throw new ProductEmbeddingsError(
          file,
          `has ${rows} rows but ${catalogPath} has ${products} products; row i must be the catalog's i-th product (blank lines do not count)`,
        );
      }
    },
    async readUnitRows(from: number, count: number): Promise<Float32Array> {
      let values: Float64Array;
      try {
        values = await reader.readRows(from, count);
      } catch (err) {
        throw asInputError(file, err);
      }
      const out = new Float32Array(count * columns);
      for (let r = 0; r < count; r += 1) {
        const row = from + r;
        const offset = r * columns;
        let sumOfSquares = 0;
        for (let k = 0; k < columns; k += 1) {
          const value = values[offset + k] as number;
          if (!Number.isFinite(value)) {
            throw new ProductEmbeddingsError(
              file,
              `row ${row} (product ${row + 1} of the catalog) has ${value} in column ${k}; every value must be finite`,
            );
          }
          sumOfSquares += value * value;
        }
        const norm = Math.sqrt(sumOfSquares);
        if (norm === 0 || !Number.isFinite(norm)) {
          throw new ProductEmbeddingsError(
            file,
            `row ${row} (product ${row + 1} of the catalog) ${norm === 0 ? 'is all zeros' : 'overflows when squared'}; it has no direction to compare`,
          );
        }
        if (Math.abs(norm - 1) > UNIT_LENGTH_TOLERANCE) rescaledRows += 1;
        minNorm = Math.min(minNorm, norm);
        maxNorm = Math.max(maxNorm, norm);
        for (let k = 0; k < columns; k += 1) out[offset + k] = (values[offset + k] as number) / norm;
      }
      rowsRead = Math.max(rowsRead, from + count);
      return out;
    },
    async describe(): Promise<ProductEmbeddingsSection> {
      if (rowsRead !== rows) throw new Error(`${file}: described after reading ${rowsRead} of ${rows} rows`);
      return {
        from: 'npy',
        file,
        sha256: (await describeFile(file)).sha256,
        dtype: reader.header.descr,
        rescaledRows,
        minNorm: rows === 0 ? 0 : minNorm,
        maxNorm,
      };
    },
    close: () => reader.close(),
  };
}

/** The file's own problems (missing, not a .npy, wrong dtype) as the user's input errors. */
function asInputError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new ProductEmbeddingsError(file, 'file not found');
  if (code === 'EISDIR') return new ProductEmbeddingsError(file, 'is a directory, not a .npy file');
  if (err instanceof NpyError) return new ProductEmbeddingsError(file, err.message.slice(`${err.path}: `.length));
  return err instanceof Error ? err : new Error(String(err));
}
