import { normalizeText } from '../../query/normalize.js';
import { tokenize } from '../../query/tokenize.js';
import type { Product } from '../format/products.js';

/**
 * The lexical side of ranking: BM25F over each product's title, attributes and description, so words of a query
 * count even when the embedding model does not know them (the tiny built-in model knows ~1,000 word pieces).
 *
 * - Terms are the query understanding's lookup keys (tokenize.ts: lowercase, no accents, plurals folded), so "Sofas"
 *   in a query meets "sofa" in a title exactly as phrases in the rules do.
 * - BM25F (Robertson & Zaragoza): per field, a term's count is weighted (title 3, attributes 2, description 1) and
 *   normalised by the field's length against its average (b 0.75); the weighted sum saturates once (k1 1.2) and is
 *   multiplied by the term's idf, ln(1 + (N − df + 0.5) / (df + 0.5)).
 * - Everything but the query is known at build time, so each posting stores its final impact (idf × saturated
 *   weight): a query adds up impacts, nothing else.
 *
 * The file (`lexical.bin`, written by the index build and vouched for by the manifest's `lexical` section):
 *
 *   "RPLEX001" · u32 header length · header JSON {formatVersion, documents, k1, b, weights, terms, words} · zero
 *   padding to 4 bytes · u32 offsets[terms + 1] · u32 rows[postings] · f32 impacts[postings] (little-endian)
 *
 * `words`: every word of the catalog as written (not folded) with the number of products that have it, for the
 * typo tolerance (query/spelling.ts) to correct towards.
 */

export const LEXICAL_FORMAT_VERSION = 1;
const MAGIC = 'RPLEX001';

export interface LexicalParams {
  readonly k1: number;
  readonly b: number;
  readonly weights: { readonly title: number; readonly attributes: number; readonly description: number };
}

export const DEFAULT_LEXICAL_PARAMS: LexicalParams = {
  k1: 1.2,
  b: 0.75,
  weights: { title: 3, attributes: 2, description: 1 },
};

/**
 * Words that say nothing about a product: they neither score nor count as a usable word of a query. Negations are
 * handled apart (`queryTerms`).
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or of for to in on at by with from into is are be it its this that these those my your our i me ' +
    'we you some any all very so as want need looking find show buy get'
  ).split(' '),
);
const NEGATORS = new Set(['without', 'no', 'not', 'non', 'excluding', 'except', 'neither', 'nor']);

type Field = keyof LexicalParams['weights'];
const FIELDS: readonly Field[] = ['title', 'attributes', 'description'];

/** The lookup keys of a text's words and numbers, in order (duplicates kept). */
export function textTerms(text: string): string[] {
  return tokenize(normalizeText(text))
    .filter((token) => token.kind === 'word' || token.kind === 'number')
    .map((token) => token.key);
}

/**
 * The terms a query ranks by: its words and numbers, without stopwords, and without a word that is negated
 * ("without pockets", "-fluffy": the product should not have it, so having it must not raise a score).
 */
export function queryTerms(text: string): string[] {
  const tokens = tokenize(normalizeText(text));
  const terms: string[] = [];
  let isNegated = false;
  tokens.forEach((token, i) => {
    if (token.kind === 'dash') {
      const next = tokens[i + 1];
      isNegated = (i === 0 || token.gap !== '') && next?.kind === 'word' && next.gap === '';
      return;
    }
    if (token.kind !== 'word' && token.kind !== 'number') return;
    if (NEGATORS.has(token.key)) {
      isNegated = true;
      return;
    }
    if (isNegated) {
      // "without the hood": an article between the negation and its word keeps the negation going.
      if (!STOPWORDS.has(token.key)) isNegated = false;
      return;
    }
    if (!STOPWORDS.has(token.key) && !terms.includes(token.key)) terms.push(token.key);
  });
  return terms;
}

/** A product's text per field: title, the string values of its attributes, description. */
function productFields(product: Product): Record<Field, string> {
  const attributes: string[] = [];
  for (const [field, value] of Object.entries(product)) {
    if (field === 'id' || field === 'title' || field === 'description' || field === 'price') continue;
    if (typeof value === 'string') attributes.push(value);
    else if (Array.isArray(value)) attributes.push(...(value as readonly string[]));
  }
  return { title: product.title, attributes: attributes.join(' , '), description: product.description ?? '' };
}

/**
 * One query's matches. Valid until the index's next `match`: the scores live in one array the index reuses (a
 * 65,536-product catalog would otherwise allocate 256 KB per search), so use them synchronously.
 */
export interface LexicalMatches {
  /** Every row with a score above 0, in no particular order. */
  readonly rows: readonly number[];
  /** Score per row (0 for rows that match no term); length = the index's document count. */
  readonly scores: Float32Array;
  /** How many of the query's terms each row has (0 for rows that match none). */
  readonly matched: Uint8Array;
}

export class LexicalIndex {
  private readonly termIds: Map<string, number>;
  private readonly scratch: Float32Array;
  private readonly matchedScratch: Uint8Array;
  private touched: number[] = [];

  private constructor(
    readonly documents: number,
    readonly params: LexicalParams,
    private readonly terms: readonly string[],
    private readonly offsets: Uint32Array,
    private readonly rows: Uint32Array,
    private readonly impacts: Float32Array,
    /** Catalog word as written → products that have it. */
    readonly words: ReadonlyArray<readonly [string, number]>,
  ) {
    this.termIds = new Map(terms.map((term, i) => [term, i]));
    this.scratch = new Float32Array(documents);
    this.matchedScratch = new Uint8Array(documents);
  }

  get termCount(): number {
    return this.terms.length;
  }

  get postingCount(): number {
    return this.rows.length;
  }

  /** Builds the index of `products` (row i = product i). */
  static build(products: readonly Product[], params: LexicalParams = DEFAULT_LEXICAL_PARAMS): LexicalIndex {
    const n = products.length;
    const lengths: Record<Field, Uint32Array> = {
      title: new Uint32Array(n),
      attributes: new Uint32Array(n),
      description: new Uint32Array(n),
    };
    // Per product, per term: the count in each field (a flat list per product keeps memory at one pass).
    const perProduct: Array<Map<string, [number, number, number]>> = [];
    const wordCounts = new Map<string, number>();
    products.forEach((product, row) => {
      const fields = productFields(product);
      const counts = new Map<string, [number, number, number]>();
      const seenWords = new Set<string>();
      FIELDS.forEach((field, f) => {
        const tokens = tokenize(normalizeText(fields[field])).filter((t) => t.kind === 'word' || t.kind === 'number');
        lengths[field][row] = tokens.length;
        for (const token of tokens) {
          let entry = counts.get(token.key);
          if (!entry) {
            entry = [0, 0, 0];
            counts.set(token.key, entry);
          }
          entry[f] = (entry[f] as number) + 1;
          if (token.kind === 'word') seenWords.add(token.raw);
        }
      });
      for (const word of seenWords) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      perProduct.push(counts);
    });
    const average = (field: Field): number => {
      let sum = 0;
      for (const length of lengths[field]) sum += length;
      return n > 0 && sum > 0 ? sum / n : 1;
    };
    const averages = FIELDS.map(average);

    const postings = new Map<string, { rows: number[]; weights: number[] }>();
    perProduct.forEach((counts, row) => {
      for (const [term, tf] of counts) {
        let weight = 0;
        FIELDS.forEach((field, f) => {
          const count = tf[f] as number;
          if (count === 0) return;
          const norm = 1 - params.b + (params.b * (lengths[field][row] as number)) / (averages[f] as number);
          weight += (params.weights[field] * count) / norm;
        });
        let list = postings.get(term);
        if (!list) {
          list = { rows: [], weights: [] };
          postings.set(term, list);
        }
        list.rows.push(row);
        list.weights.push(weight);
      }
    });

    const terms = [...postings.keys()].sort();
    const offsets = new Uint32Array(terms.length + 1);
    let total = 0;
    terms.forEach((term, i) => {
      offsets[i] = total;
      total += (postings.get(term) as { rows: number[] }).rows.length;
    });
    offsets[terms.length] = total;
    const rows = new Uint32Array(total);
    const impacts = new Float32Array(total);
    terms.forEach((term, i) => {
      const list = postings.get(term) as { rows: number[]; weights: number[] };
      const df = list.rows.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const start = offsets[i] as number;
      list.rows.forEach((row, j) => {
        const weight = list.weights[j] as number;
        rows[start + j] = row;
        impacts[start + j] = (idf * weight * (params.k1 + 1)) / (weight + params.k1);
      });
    });
    const words = [...wordCounts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new LexicalIndex(n, params, terms, offsets, rows, impacts, words);
  }

  /** The scores of every product for `terms` (queryTerms), summed over the terms the index has. */
  match(terms: readonly string[]): LexicalMatches {
    const scores = this.scratch;
    const matched = this.matchedScratch;
    for (const row of this.touched) {
      scores[row] = 0;
      matched[row] = 0;
    }
    const rows: number[] = [];
    this.touched = rows;
    // At most 255 terms are counted (a query is at most 512 characters, so this is never reached by a shopper).
    for (const term of terms.slice(0, 255)) {
      const id = this.termIds.get(term);
      if (id === undefined) continue;
      const end = this.offsets[id + 1] as number;
      for (let p = this.offsets[id] as number; p < end; p += 1) {
        const row = this.rows[p] as number;
        if (scores[row] === 0) rows.push(row);
        scores[row] = (scores[row] as number) + (this.impacts[p] as number);
        matched[row] = (matched[row] as number) + 1;
      }
    }
    return { rows, scores, matched };
  }

  /** Whether any product has the term. */
  has(term: string): boolean {
    return this.termIds.has(term);
  }

  /** The file's bytes (see the format above). */
  toBytes(): Buffer {
    const header = Buffer.from(
      JSON.stringify({
        formatVersion: LEXICAL_FORMAT_VERSION,
        documents: this.documents,
        k1: this.params.k1,
        b: this.params.b,
        weights: this.params.weights,
        terms: this.terms,
        words: this.words,
      }),
      'utf8',
    );
    const headerEnd = 8 + 4 + header.length;
    const padded = Math.ceil(headerEnd / 4) * 4;
    const out = Buffer.alloc(padded + this.offsets.byteLength + this.rows.byteLength + this.impacts.byteLength);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(header.length, 8);
    header.copy(out, 12);
    let at = padded;
    for (const array of [this.offsets, this.rows, this.impacts]) {
      Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, at);
      at += array.byteLength;
    }
    return out;
  }

  /** Reads the file's bytes; throws a message naming what is wrong (the caller adds the file). */
  static fromBytes(bytes: Buffer): LexicalIndex {
    if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC)
      throw new Error(`not a lexical index (no ${MAGIC} header)`);
    const headerLength = bytes.readUInt32LE(8);
    if (12 + headerLength > bytes.length) throw new Error('truncated header');
    let header: {
      formatVersion?: unknown;
      documents?: unknown;
      k1?: unknown;
      b?: unknown;
      weights?: unknown;
      terms?: unknown;
      words?: unknown;
    };
    try {
      header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength)) as typeof header;
    } catch (err) {
      throw new Error(`header is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (header.formatVersion !== LEXICAL_FORMAT_VERSION)
      throw new Error(`format version ${String(header.formatVersion)}, this version reads ${LEXICAL_FORMAT_VERSION}`);
    const { documents, terms, words } = header;
    if (typeof documents !== 'number' || !Array.isArray(terms) || !Array.isArray(words))
      throw new Error('header lacks documents, terms or words');
    const params = { k1: header.k1, b: header.b, weights: header.weights } as LexicalParams;
    const padded = Math.ceil((12 + headerLength) / 4) * 4;
    const offsetsBytes = (terms.length + 1) * 4;
    if (padded + offsetsBytes > bytes.length) throw new Error('truncated term offsets');
    // Copied into aligned typed arrays: a Buffer's byteOffset into Node's pool need not be a multiple of 4.
    const offsets = new Uint32Array(terms.length + 1);
    Buffer.from(offsets.buffer).set(bytes.subarray(padded, padded + offsetsBytes));
    const postings = offsets[terms.length] as number;
    const expected = padded + offsetsBytes + postings * 8;
    if (bytes.length !== expected)
      throw new Error(`has ${bytes.length} bytes, ${expected} expected for ${postings} postings`);
    const rows = new Uint32Array(postings);
    const impacts = new Float32Array(postings);
    const rowsStart = padded + offsetsBytes;
    Buffer.from(rows.buffer).set(bytes.subarray(rowsStart, rowsStart + postings * 4));
    Buffer.from(impacts.buffer).set(bytes.subarray(rowsStart + postings * 4, expected));
    return new LexicalIndex(
      documents,
      params,
      terms as string[],
      offsets,
      rows,
      impacts,
      words as Array<[string, number]>,
    );
  }
}
