/**
 * A BERT-style WordPiece tokenizer in the Hugging Face `tokenizer.json` format, built from a word list. The
 * normaliser and pre-tokeniser are BERT's own (lowercase, strip accents, split on whitespace and punctuation),
 * so transformers.js, Python `tokenizers` and any HF tool read it; the functions below apply the same steps to
 * the word list, so every word of it becomes exactly one token.
 *
 * Words outside the list still tokenize without [UNK] as long as they are made of ASCII letters and digits:
 * WordPiece splits them greedily into the longest known prefix plus "##" continuation pieces (single letters,
 * digits and a few English suffixes are always in the vocabulary), e.g. "sneakerz" → "sneaker", "##z".
 */

export const SPECIAL_TOKENS = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;
/** Ids 0..4, in this order; BERT's own vocabularies put [PAD] at 0 too, which is what padding uses. */
const SPECIAL_ORDER = [
  SPECIAL_TOKENS.pad,
  SPECIAL_TOKENS.unk,
  SPECIAL_TOKENS.cls,
  SPECIAL_TOKENS.sep,
  SPECIAL_TOKENS.mask,
];

export const CONTINUATION_PREFIX = '##';
/** Suffix pieces that let an unknown plural or verb form reuse its stem ("boots" → "boot", "##s"). */
const SUFFIX_PIECES = ['s', 'es', 'ed', 'er', 'ers', 'ing', 'ly', 'y'];
const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ASCII_DIGITS = '0123456789';

// transformers.js src/tokenizers.js (BertPreTokenizer) and HF tokenizers bert.rs: Unicode punctuation plus every
// ASCII character that is neither a letter, a digit nor a space ("$", "+", "^", "`" count as punctuation).
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const ASCII_PUNCTUATION = [...Array(0x7f - 0x21).keys()]
  .map((i) => String.fromCharCode(0x21 + i))
  .filter((char) => !/[a-z0-9]/i.test(char));

/** BertNormalizer with lowercase and default accent stripping, as transformers.js applies it. */
export function bertNormalize(text: string): string {
  // clean_text: control and format characters go, whitespace controls (tab, newline) become spaces.
  const cleaned = text.replace(/[\uFFFD\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu, (char) => (/\s/.test(char) ? ' ' : ''));
  return cleaned
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** BertPreTokenizer: runs of non-space non-punctuation characters, and each punctuation character alone. */
export function bertPreTokenize(normalized: string): string[] {
  return normalized.match(PRE_TOKEN) ?? [];
}

/** The token list (index = id): specials, single characters, the words, then continuation pieces. */
export function buildVocabulary(words: Iterable<string>): string[] {
  const wordTokens = new Set<string>();
  for (const word of words) {
    for (const piece of bertPreTokenize(bertNormalize(word))) wordTokens.add(piece);
  }
  const singles = [...ASCII_PUNCTUATION, ...ASCII_DIGITS, ...ASCII_LETTERS];
  for (const single of singles) wordTokens.delete(single);
  for (const special of SPECIAL_ORDER) wordTokens.delete(special);
  const continuation = [...new Set([...ASCII_LETTERS, ...ASCII_DIGITS, ...SUFFIX_PIECES])].map(
    (p) => CONTINUATION_PREFIX + p,
  );
  // Code-unit order, not localeCompare: the order (and so every id) must not depend on the machine's ICU data.
  const sorted = [...wordTokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...SPECIAL_ORDER, ...singles, ...sorted, ...continuation];
}

export interface TokenizerFiles {
  /** tokenizer.json content. */
  readonly tokenizer: object;
  /** tokenizer_config.json content. */
  readonly tokenizerConfig: object;
}

/**
 * The two tokenizer files. `maxLength` is model_max_length: the pipeline truncates longer texts to it (product
 * text puts the title and attributes first so truncation only cuts the description).
 */
export function tokenizerFiles(vocabulary: readonly string[], maxLength: number): TokenizerFiles {
  const idOf = (token: string): number => {
    const id = vocabulary.indexOf(token);
    if (id < 0) throw new Error(`tokenizer: the vocabulary lacks the special token ${token}`);
    return id;
  };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_ORDER.map((content) => ({
      id: idOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'BertProcessing',
      sep: [SPECIAL_TOKENS.sep, idOf(SPECIAL_TOKENS.sep)],
      cls: [SPECIAL_TOKENS.cls, idOf(SPECIAL_TOKENS.cls)],
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION_PREFIX, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS.unk,
      continuing_subword_prefix: CONTINUATION_PREFIX,
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    pad_token: SPECIAL_TOKENS.pad,
    unk_token: SPECIAL_TOKENS.unk,
    cls_token: SPECIAL_TOKENS.cls,
    sep_token: SPECIAL_TOKENS.sep,
    mask_token: SPECIAL_TOKENS.mask,
  };
  return { tokenizer, tokenizerConfig };
}
