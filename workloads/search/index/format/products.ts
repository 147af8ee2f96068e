import { createReadStream } from 'node:fs';
import { describeValue, isPlainObject } from '../../query/json-value.js';

/**
 * Products, one JSON object per line: the catalog the index build reads and the products.jsonl it writes (the same
 * products, normalised, in row order) are one format with one validation, so a product the build accepts is one
 * the service loads.
 *
 *   {"id": "SKU-1", "title": "Red Running Shoes", "description": "…", "price": 59.99, "color": "red", "sizes": ["9", "10"]}
 *
 * `id` (a unique non-empty string), `title` (non-empty string) and `price` (a finite number >= 0) are required;
 * `description` is an optional string; every other field is an attribute: a string, a finite number, a boolean
 * or an array of strings. `null` means "not set" and is dropped. Blank lines are skipped. Anything else stops the
 * reader with the file, the line number and the field, because an index built around a bad line would answer
 * wrongly without saying so.
 */

export type AttributeValue = string | number | boolean | readonly string[];

export interface Product {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly price: number;
  readonly [field: string]: AttributeValue | undefined;
}

export interface ProductLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly product: Product;
}

/** A products file problem: `<path>: line <n>: <reason>` (line 0 for a problem with the file as a whole). */
export class ProductsFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
    /** The file system's error code when the file itself could not be read (ENOENT, EISDIR, …). */
    readonly code?: string,
  ) {
    super(line > 0 ? `${path}: line ${line}: ${reason}` : `${path}: ${reason}`);
    this.name = 'ProductsFileError';
  }
}

const FIXED_FIELDS = ['id', 'title', 'description', 'price'] as const;

/**
 * Validates one parsed line and returns the normalised product: keys in the order id, title, description,
 * price, then the attributes as written; title and description trimmed; nulls dropped. Throws the reason only
 * (the caller adds file and line).
 */
export function parseProduct(json: unknown): Product {
  if (!isPlainObject(json)) throw new Error(`must be a JSON object (got ${describeValue(json)})`);
  const { id, title, description, price } = json;
  if (typeof id !== 'string' || id.trim() === '')
    throw new Error(`"id" must be a non-empty string (got ${describeValue(id)})`);
  if (typeof title !== 'string' || title.trim() === '')
    throw new Error(`"title" must be a non-empty string (got ${describeValue(title)})`);
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw new Error(`"description" must be a string when present (got ${describeValue(description)})`);
  }
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
    throw new Error(`"price" must be a finite number >= 0 (got ${describeValue(price)})`);
  }

  const entries: Array<[string, AttributeValue]> = [
    ['id', id],
    ['title', title.trim()],
  ];
  if (typeof description === 'string' && description.trim() !== '') entries.push(['description', description.trim()]);
  entries.push(['price', price]);
  for (const [field, value] of Object.entries(json)) {
    if ((FIXED_FIELDS as readonly string[]).includes(field) || value === null) continue;
    if (field.trim() === '') throw new Error('attribute names must be non-empty');
    if (typeof value === 'string' || typeof value === 'boolean') entries.push([field, value]);
    else if (typeof value === 'number') {
      // JSON has no NaN, but 1e999 parses to Infinity.
      if (!Number.isFinite(value)) throw new Error(`${JSON.stringify(field)} must be a finite number (got ${value})`);
      entries.push([field, value]);
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, i) => {
        if (typeof item !== 'string')
          throw new Error(
            `${JSON.stringify(field)}[${i}] must be a string (got ${describeValue(item)}); array attributes hold strings`,
          );
      });
      entries.push([field, value as string[]]);
    } else {
      throw new Error(
        `${JSON.stringify(field)} must be a string, number, boolean or array of strings (got ${describeValue(value)})`,
      );
    }
  }
  // fromEntries (own data properties), so a field named "__proto__" stays a field.
  return Object.fromEntries(entries) as Product;
}

export interface TextLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly text: string;
  /** False for a last line with no newline after it: where a copy or a write may have stopped. */
  readonly isTerminated: boolean;
}

/**
 * Lines of a UTF-8 file, streamed, with their 1-based numbers; "\r\n" endings and a leading BOM are handled.
 * Stream errors (a missing file, EISDIR) surface from the iteration as ProductsFileErrors naming the file.
 */
export async function* readLines(path: string): AsyncGenerator<TextLine> {
  let pending = '';
  let line = 0;
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
      pending += chunk as string;
      let newline = pending.indexOf('\n');
      let start = 0;
      while (newline >= 0) {
        line += 1;
        let text = pending.slice(start, newline);
        if (text.endsWith('\r')) text = text.slice(0, -1);
        yield { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text, isTerminated: true };
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a JSON Lines file'
          : `cannot read (${code})`;
    throw new ProductsFileError(path, 0, reason, code);
  }
  if (pending.length > 0) {
    line += 1;
    yield { line, text: line === 1 ? pending.replace(/^\uFEFF/, '') : pending, isTerminated: false };
  }
}

/** Validated products of a file in order, failing at the first bad line (including a repeated id). */
export async function* readProducts(path: string): AsyncGenerator<ProductLine> {
  const firstLineOfId = new Map<string, number>();
  for await (const { line, text, isTerminated } of readLines(path)) {
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      const hint = isTerminated ? '' : ' (the file looks truncated: no newline at its end)';
      throw new ProductsFileError(
        path,
        line,
        `invalid JSON${hint}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    let product: Product;
    try {
      product = parseProduct(json);
    } catch (err) {
      throw new ProductsFileError(path, line, err instanceof Error ? err.message : String(err));
    }
    const first = firstLineOfId.get(product.id);
    if (first !== undefined)
      throw new ProductsFileError(path, line, `duplicate id ${JSON.stringify(product.id)} (first on line ${first})`);
    firstLineOfId.set(product.id, line);
    yield { line, product };
  }
}
