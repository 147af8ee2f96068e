import { ExactVectorIndex, type Hit, type RowFilter, type VectorIndex } from '../vector-index.js';

/**
 * Prototype (bench only, not wired into the service): an int8-quantised scan picks `rerank` candidates, which are
 * then re-scored exactly in float32, so the order returned is exact among the candidates. Each row is quantised
 * symmetrically with its own scale (max |x| → 127). Filtered searches fall back to the exact scan.
 */
export class Int8RerankIndex implements VectorIndex {
  readonly count: number;
  private readonly exact: ExactVectorIndex;
  private readonly codes: Int8Array;
  private readonly scales: Float32Array;

  constructor(
    data: Float32Array,
    readonly dimensions: number,
    private readonly rerank = 100,
  ) {
    this.exact = new ExactVectorIndex(data, dimensions);
    this.count = this.exact.count;
    this.codes = new Int8Array(data.length);
    this.scales = new Float32Array(this.count);
    for (let row = 0; row < this.count; row += 1) {
      const offset = row * dimensions;
      let max = 0;
      for (let i = 0; i < dimensions; i += 1) max = Math.max(max, Math.abs(data[offset + i] as number));
      const scale = max > 0 ? max / 127 : 1;
      this.scales[row] = scale;
      for (let i = 0; i < dimensions; i += 1) this.codes[offset + i] = Math.round((data[offset + i] as number) / scale);
    }
  }

  vector(row: number): Float32Array {
    return this.exact.vector(row);
  }

  search(query: Float32Array, k: number, filter?: RowFilter): Hit[] {
    if (filter !== undefined) return this.exact.search(query, k, filter);
    if (query.length !== this.dimensions) throw new RangeError(`query has ${query.length} dimensions, the index ${this.dimensions}`);
    const dim = this.dimensions;
    let qmax = 0;
    for (let i = 0; i < dim; i += 1) qmax = Math.max(qmax, Math.abs(query[i] as number));
    const qscale = qmax > 0 ? qmax / 127 : 1;
    const q = new Int32Array(dim);
    for (let i = 0; i < dim; i += 1) q[i] = Math.round((query[i] as number) / qscale);

    const want = Math.min(this.count, Math.max(k, this.rerank));
    // Candidates: a min-heap of the best `want` approximate scores.
    const heapScores = new Float64Array(want);
    const heapRows = new Uint32Array(want);
    let size = 0;
    const codes = this.codes;
    const scales = this.scales;
    for (let row = 0; row < this.count; row += 1) {
      const offset = row * dim;
      let acc = 0;
      for (let i = 0; i < dim; i += 1) acc += (codes[offset + i] as number) * (q[i] as number);
      const score = acc * (scales[row] as number);
      if (size < want) {
        let i = size++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if ((heapScores[parent] as number) <= score) break;
          heapScores[i] = heapScores[parent] as number;
          heapRows[i] = heapRows[parent] as number;
          i = parent;
        }
        heapScores[i] = score;
        heapRows[i] = row;
      } else if (score > (heapScores[0] as number)) {
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= size) break;
          const right = left + 1;
          const child = right < size && (heapScores[right] as number) < (heapScores[left] as number) ? right : left;
          if ((heapScores[child] as number) >= score) break;
          heapScores[i] = heapScores[child] as number;
          heapRows[i] = heapRows[child] as number;
          i = child;
        }
        heapScores[i] = score;
        heapRows[i] = row;
      }
    }
    return this.exact.search(query, k, heapRows.subarray(0, size));
  }
}
