import { hashString, Prng } from '../../workloads/search/index/serve/ann/prng.js';
import { CONTINUATION_PREFIX, SPECIAL_TOKENS } from './wordpiece-tokenizer.js';

/**
 * The tiny model's token vectors, made without training: each token is a weighted sum of random ±1 vectors,
 * one per "feature" of the token, the way fastText composes a word from its character n-grams. Tokens that
 * share features get similar vectors:
 *
 *   - character 3- to 5-grams of "<word>" ("sneaker" and "sneakers" share most of theirs),
 *   - the word's simple singular ("boots" and "boot" share `stem:boot`),
 *   - the word itself (so two different words are never identical),
 *   - synonym groups supplied by the caller ("sneaker" and "trainer" share `group:…`), the only place where
 *     meaning that spelling cannot show comes in.
 *
 * Random vectors in 64+ dimensions are nearly orthogonal (cosine ~ N(0, 1/D)), so unrelated tokens stay apart.
 * A feature's vector depends only on (seed, feature name, dims), so adding a word never moves the others.
 */

const NGRAM_SIZES = [3, 4, 5] as const;
/** Relative weights of the feature blocks; each block is first scaled to unit length. */
const WEIGHTS = { ngrams: 1, stem: 1.5, word: 0.8, group: 2, piece: 1 } as const;
/** [CLS]/[SEP] sit in every text: a small shared vector keeps an empty text from pooling to zero (NaN after
 * normalising) without pulling all texts together. */
const BOUNDARY_NORM = 0.1;
/** An unknown character ([UNK]) still counts, a little, so "café ☕" and "café" differ. */
const UNKNOWN_NORM = 0.5;

/** A unit-length ±1/√D vector for `feature`, from a PRNG seeded by the feature's hash. */
export function featureVector(feature: string, dims: number, seed: number): Float64Array {
  const prng = new Prng(hashString(feature, seed));
  const out = new Float64Array(dims);
  const scale = 1 / Math.sqrt(dims);
  for (let base = 0; base < dims; base += 32) {
    const bits = prng.nextUint32();
    for (let bit = 0; bit < 32 && base + bit < dims; bit += 1) out[base + bit] = (bits >>> bit) & 1 ? scale : -scale;
  }
  return out;
}

/** Simple English singular: "boxes" → "box", "berries" → "berry", "boots" → "boot"; "glass" stays. */
export function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && /(?:s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function characterNgrams(text: string): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (const n of NGRAM_SIZES) {
    for (let i = 0; i + n <= chars.length; i += 1) out.push(chars.slice(i, i + n).join(''));
  }
  // A word shorter than the smallest n-gram ("<t>") is its own only n-gram.
  return out.length > 0 ? out : [text];
}

type Features = Array<readonly [block: keyof typeof WEIGHTS, names: readonly string[]]>;

function featuresOf(token: string, groups: ReadonlyMap<string, readonly string[]>): Features {
  if (token.startsWith(CONTINUATION_PREFIX) && token.length > CONTINUATION_PREFIX.length) {
    const piece = token.slice(CONTINUATION_PREFIX.length);
    // A word-final piece: n-grams with the end marker, so "##s" leans towards plural endings.
    return [
      ['piece', [`piece:${piece}`]],
      ['ngrams', characterNgrams(`${piece}>`).map((g) => `ngram:${g}`)],
    ];
  }
  const features: Features = [
    ['ngrams', characterNgrams(`<${token}>`).map((g) => `ngram:${g}`)],
    ['stem', [`stem:${singular(token)}`]],
    ['word', [`word:${token}`]],
  ];
  const tokenGroups = groups.get(singular(token));
  if (tokenGroups && tokenGroups.length > 0) features.push(['group', tokenGroups.map((g) => `group:${g}`)]);
  return features;
}

function addScaled(target: Float64Array, source: Float64Array, factor: number): void {
  for (let i = 0; i < target.length; i += 1) target[i] = (target[i] as number) + (source[i] as number) * factor;
}

function scaleToNorm(vector: Float64Array, norm: number): Float64Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const factor = sum > 0 ? norm / Math.sqrt(sum) : 0;
  for (let i = 0; i < vector.length; i += 1) vector[i] = (vector[i] as number) * factor;
  return vector;
}

export interface TokenMatrixOptions {
  readonly dims: number;
  readonly seed: number;
  /** singular(token) → ids of the synonym groups it belongs to (keyed by the singular, so plurals join too). */
  readonly groups?: ReadonlyMap<string, readonly string[]>;
}

/** The [vocabulary.length, dims] embedding table, row-major, row i = token id i. [PAD] stays zero. */
export function tokenMatrix(vocabulary: readonly string[], options: TokenMatrixOptions): Float32Array {
  const { dims, seed } = options;
  const groups = options.groups ?? new Map<string, readonly string[]>();
  const table = new Float32Array(vocabulary.length * dims);
  const cache = new Map<string, Float64Array>();
  const vectorOf = (feature: string): Float64Array => {
    let vector = cache.get(feature);
    if (!vector) {
      vector = featureVector(feature, dims, seed);
      cache.set(feature, vector);
    }
    return vector;
  };

  vocabulary.forEach((token, id) => {
    let row: Float64Array;
    if (token === SPECIAL_TOKENS.pad) row = new Float64Array(dims);
    else if (token === SPECIAL_TOKENS.cls || token === SPECIAL_TOKENS.sep)
      row = scaleToNorm(Float64Array.from(vectorOf('special:boundary')), BOUNDARY_NORM);
    else if (token === SPECIAL_TOKENS.unk || token === SPECIAL_TOKENS.mask)
      row = scaleToNorm(Float64Array.from(vectorOf(`special:${token}`)), UNKNOWN_NORM);
    else {
      row = new Float64Array(dims);
      for (const [block, names] of featuresOf(token, groups)) {
        const sum = new Float64Array(dims);
        for (const name of names) addScaled(sum, vectorOf(name), 1);
        addScaled(row, scaleToNorm(sum, 1), WEIGHTS[block]);
      }
      scaleToNorm(row, 1);
    }
    table.set(row, id * dims);
  });
  return table;
}
