import { createReadStream } from 'node:fs';

/**
 * The catalog the index is built from: JSON Lines, one product per line.
 *
 *   {"id": "SKU-1", "title": "Red Running Shoes", "description": "…", "price": 59.99, "color": "red", "sizes": ["9", "10"]}
 *
 * `id` (a unique non-empty string), `title` (non-empty string) and `price` (a finite number >= 0) are required;
 * `description` is an optional string; every other field is an attribute: a string, a finite number, a boolean
 * or an array of strings. `null` means "not set" and is dropped. Blank lines are skipped. Anything else stops the
 * build with the file, the line number and the field, because an index built around a bad line would answer
 * wrongly without saying so.
 */

export type AttributeValue = string | number | boolean | readonly string[];

export interface CatalogProduct {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly price: number;
  readonly [field: string]: AttributeValue | undefined;
}

export interface CatalogLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly product: CatalogProduct;
}

/** A catalog problem: `<path>: line <n>: <reason>` (line 0 for a problem with the file as a whole). */
export class CatalogError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${path}: line ${line}: ${reason}` : `${path}: ${reason}`);
    this.name = 'CatalogError';
  }
}

const REQUIRED_ORDER = ['id', 'title', 'description', 'price'] as const;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${value}` : typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates one parsed line and returns the normalised product: keys in the order id, title, description,
 * price, then the attributes as written; title and description trimmed; nulls dropped. Throws the reason only
 * (the caller adds file and line).
 */
export function normalizeProduct(json: unknown): CatalogProduct {
  if (!isPlainObject(json)) throw new Error(`must be a JSON object (got ${describe(json)})`);
  const { id, title, description, price } = json;
  if (typeof id !== 'string' || id.trim() === '')
    throw new Error(`"id" must be a non-empty string (got ${describe(id)})`);
  if (typeof title !== 'string' || title.trim() === '')
    throw new Error(`"title" must be a non-empty string (got ${describe(title)})`);
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw new Error(`"description" must be a string when present (got ${describe(description)})`);
  }
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
    throw new Error(`"price" must be a finite number >= 0 (got ${describe(price)})`);
  }

  const entries: Array<[string, AttributeValue]> = [
    ['id', id],
    ['title', title.trim()],
  ];
  if (typeof description === 'string' && description.trim() !== '') entries.push(['description', description.trim()]);
  entries.push(['price', price]);
  for (const [field, value] of Object.entries(json)) {
    if ((REQUIRED_ORDER as readonly string[]).includes(field) || value === null) continue;
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
            `${JSON.stringify(field)}[${i}] must be a string (got ${describe(item)}); array attributes hold strings`,
          );
      });
      entries.push([field, value as string[]]);
    } else {
      throw new Error(
        `${JSON.stringify(field)} must be a string, number, boolean or array of strings (got ${describe(value)})`,
      );
    }
  }
  // fromEntries (own data properties), so a field named "__proto__" stays a field.
  return Object.fromEntries(entries) as CatalogProduct;
}

/**
 * Lines of a UTF-8 file, streamed, with their 1-based numbers; "\r\n" endings and a leading BOM are handled.
 * Stream errors (a missing file, EISDIR) surface from the iteration as CatalogErrors naming the file.
 */
export async function* readLines(path: string): AsyncGenerator<{ line: number; text: string }> {
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
        yield { line, text: line === 1 ? text.replace(/^\uFEFF/, '') : text };
        start = newline + 1;
        newline = pending.indexOf('\n', start);
      }
      pending = pending.slice(start);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new CatalogError(
      path,
      0,
      code === 'ENOENT'
        ? 'catalog file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a JSON Lines file'
          : `cannot read (${code})`,
    );
  }
  if (pending.length > 0) {
    line += 1;
    yield { line, text: line === 1 ? pending.replace(/^\uFEFF/, '') : pending };
  }
}

/** Validated products of a catalog file in order, failing at the first bad line (including a repeated id). */
export async function* readCatalog(path: string): AsyncGenerator<CatalogLine> {
  const firstLineOfId = new Map<string, number>();
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CatalogError(path, line, `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    let product: CatalogProduct;
    try {
      product = normalizeProduct(json);
    } catch (err) {
      throw new CatalogError(path, line, err instanceof Error ? err.message : String(err));
    }
    const first = firstLineOfId.get(product.id);
    if (first !== undefined)
      throw new CatalogError(path, line, `duplicate id ${JSON.stringify(product.id)} (first on line ${first})`);
    firstLineOfId.set(product.id, line);
    yield { line, product };
  }
}

/**
 * The text embedded for a product: the title, then the values of `textFields` (the rules file's fields, in its
 * order: category, colour, brand, … — the words shoppers search with), then the description. Title and
 * attributes come first because models truncate long inputs from the end. Numbers and booleans are left out
 * (a bare "4.5" or "true" carries no meaning for a text model), and so are attributes the rules do not name
 * (SKUs, URLs, stock counts are noise to an embedding).
 */
export function productText(product: CatalogProduct, textFields: readonly string[]): string {
  const parts: string[] = [product.title];
  const values: string[] = [];
  for (const field of textFields) {
    const value = product[field];
    if (typeof value === 'string' && value.trim() !== '') values.push(value.trim());
    else if (Array.isArray(value)) values.push(...(value as readonly string[]).filter((v) => v.trim() !== ''));
  }
  if (values.length > 0) parts.push(values.join(', '));
  if (product.description) parts.push(product.description);
  return parts.join('. ');
}
