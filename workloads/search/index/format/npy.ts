import { randomBytes } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * NumPy .npy files holding a 2-D float32 matrix (the search index's embeddings.npy, row i = product i).
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 *   "\x93NUMPY" | major | minor | header length (uint16 LE in v1, uint32 LE in v2/v3) | header | raw data
 *
 * The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }, padded
 * with spaces and ended by '\n' so the data starts at a multiple of 64 bytes. We write v1.0 (what np.save writes
 * for such headers) and read v1.0, v2.0 and v3.0. Only little-endian float32 in C order is accepted: anything
 * else would need a conversion the service should not do silently at startup.
 */

export const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
export const FLOAT32_DESCR = '<f4';
/**
 * The little-endian float dtypes `roleplane search index --embeddings` reads (numpy's float16, float32 and
 * float64, by their .npy `descr`), with their sizes. Everything the index itself writes and reads is float32.
 */
export const FLOAT_DESCRS = { '<f2': 2, '<f4': 4, '<f8': 8 } as const;
export type FloatDescr = keyof typeof FLOAT_DESCRS;
const HEADER_ALIGN = 64;
/** Largest single read or write; keeps each syscall well under the 2 GiB limit of one read(2). */
const IO_CHUNK_BYTES = 64 * 1024 * 1024;

export type Shape2D = readonly [rows: number, columns: number];

export interface NpyHeader {
  readonly version: readonly [major: number, minor: number];
  readonly descr: FloatDescr;
  readonly fortranOrder: boolean;
  readonly shape: Shape2D;
  /** Byte offset of the data: preamble plus header. */
  readonly dataOffset: number;
  /** rows × columns × the dtype's size. */
  readonly dataBytes: number;
}

/** A .npy file we cannot use; the message starts with the file path. */
export class NpyError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'NpyError';
  }
}

// Float32Array uses the machine's byte order; .npy '<f4' is little-endian. Every platform Node ships for
// (x64, arm64) is little-endian; refuse rather than write or read swapped numbers elsewhere.
function assertLittleEndian(path: string): void {
  if (endianness() !== 'LE')
    throw new NpyError(path, 'big-endian hosts are not supported (.npy data is written little-endian)');
}

function checkShape(path: string, shape: Shape2D): void {
  const [rows, columns] = shape;
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(columns) || columns < 0) {
    throw new NpyError(path, `shape must be two non-negative integers (got [${shape.join(', ')}])`);
  }
}

/** The v1.0 preamble and header for a float32 C-order matrix, padded to a multiple of 64 bytes. */
export function encodeNpyHeader(shape: Shape2D): Buffer {
  const dict = `{'descr': '${FLOAT32_DESCR}', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`;
  const preamble = NPY_MAGIC.length + 2 + 2;
  const unpadded = preamble + dict.length + 1; // + '\n'
  const padding = (HEADER_ALIGN - (unpadded % HEADER_ALIGN)) % HEADER_ALIGN;
  const header = `${dict}${' '.repeat(padding)}\n`;
  const out = Buffer.alloc(preamble + header.length);
  NPY_MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, preamble, 'latin1');
  return out;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) {
    const length = Math.min(IO_CHUNK_BYTES, bytes.byteLength - offset);
    const { bytesWritten } = await handle.write(bytes, offset, length);
    offset += bytesWritten;
  }
}

/** Makes a rename durable; best effort, since some filesystems refuse fsync on a directory. */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // The file itself is already synced; only the directory entry's durability is left to the filesystem.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes a matrix row block by row block, so the index build can stream embeddings to disk without holding
 * them all. The data goes to a temporary file next to `path`; `commit` checks that every row was written,
 * fsyncs and renames it over `path`, so a crash or an `abort` leaves the previous file untouched.
 */
export interface NpyWriter {
  /** Appends whole rows (length a multiple of the column count). The array is written as is, not copied. */
  write(rows: Float32Array): Promise<void>;
  commit(): Promise<void>;
  /** Drops the temporary file; safe to call after a failure, and a no-op after `commit`. */
  abort(): Promise<void>;
}

export async function createNpyWriter(path: string, shape: Shape2D): Promise<NpyWriter> {
  assertLittleEndian(path);
  checkShape(path, shape);
  const [rows, columns] = shape;
  const expectedValues = rows * columns;
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tempPath, 'wx', 0o644);
  let written = 0;
  let isDone = false;

  const abort = async (): Promise<void> => {
    if (isDone) return;
    isDone = true;
    await handle.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
  };

  try {
    await writeAll(handle, encodeNpyHeader(shape));
  } catch (err) {
    await abort();
    throw err;
  }

  return {
    async write(block: Float32Array): Promise<void> {
      if (isDone) throw new NpyError(path, 'write after commit or abort');
      if (columns === 0 ? block.length !== 0 : block.length % columns !== 0) {
        throw new NpyError(path, `a block must hold whole rows of ${columns} values (got ${block.length})`);
      }
      if (written + block.length > expectedValues) {
        throw new NpyError(
          path,
          `more rows than the declared shape (${rows}, ${columns}): ${(written + block.length) / (columns || 1)} rows`,
        );
      }
      // A view on the caller's memory: no copy of a 200 MB matrix.
      await writeAll(handle, new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
      written += block.length;
    },
    async commit(): Promise<void> {
      if (isDone) throw new NpyError(path, 'commit after commit or abort');
      if (written !== expectedValues) {
        await abort();
        throw new NpyError(
          path,
          `wrote ${written / (columns || 1)} of ${rows} rows declared in the shape; nothing was replaced`,
        );
      }
      try {
        await handle.sync();
        await handle.close();
        isDone = true;
        await rename(tempPath, path);
      } catch (err) {
        isDone = false;
        await abort();
        throw err;
      }
      await fsyncDirectory(dirname(path));
    },
    abort,
  };
}

/** Writes `data` (row-major, `shape[0]` rows of `shape[1]` values) as a .npy v1.0 file, atomically. */
export async function writeNpy(path: string, data: Float32Array, shape: Shape2D): Promise<void> {
  checkShape(path, shape);
  if (data.length !== shape[0] * shape[1]) {
    throw new NpyError(
      path,
      `data has ${data.length} values, shape (${shape[0]}, ${shape[1]}) needs ${shape[0] * shape[1]}`,
    );
  }
  const writer = await createNpyWriter(path, shape);
  try {
    await writer.write(data);
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

async function readExactly(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < target.byteLength) {
    const length = Math.min(IO_CHUNK_BYTES, target.byteLength - filled);
    const { bytesRead } = await handle.read(target, filled, length, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function readHeaderFrom(
  handle: FileHandle,
  path: string,
  fileBytes: number,
  dtypes: readonly FloatDescr[] = [FLOAT32_DESCR],
): Promise<NpyHeader> {
  const preamble = Buffer.alloc(12);
  const got = await readExactly(handle, preamble, 0);
  if (got < 8 || !preamble.subarray(0, 6).equals(NPY_MAGIC)) {
    throw new NpyError(
      path,
      `not a .npy file (expected the magic "\\x93NUMPY", got ${JSON.stringify(preamble.subarray(0, Math.min(got, 6)).toString('latin1'))})`,
    );
  }
  const major = preamble[6] ?? 0;
  const minor = preamble[7] ?? 0;
  if (major < 1 || major > 3 || minor !== 0)
    throw new NpyError(path, `unsupported .npy version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (got < 8 + lengthBytes) throw new NpyError(path, `truncated header: the file has only ${fileBytes} bytes`);
  const headerLength = major === 1 ? preamble.readUInt16LE(8) : preamble.readUInt32LE(8);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (dataOffset > fileBytes)
    throw new NpyError(path, `truncated header: it declares ${headerLength} bytes, the file has ${fileBytes} in all`);

  const headerBuffer = Buffer.alloc(headerLength);
  await readExactly(handle, headerBuffer, 8 + lengthBytes);
  // v1/v2 headers are latin1; v3 allows utf8 (for structured dtype field names).
  const headerText = headerBuffer.toString(major === 3 ? 'utf8' : 'latin1');
  let dict: Map<string, PyValue>;
  try {
    const parsed = parsePyLiteral(headerText);
    if (!(parsed instanceof Map)) throw new Error('the header is not a dict');
    dict = parsed;
  } catch (err) {
    throw new NpyError(
      path,
      `malformed header ${JSON.stringify(headerText.trim())}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw new NpyError(path, `malformed header: missing '${key}' in ${headerText.trim()}`);
  }

  const descr = dict.get('descr');
  if (!(dtypes as readonly unknown[]).includes(descr)) throw new NpyError(path, describeDtypeProblem(descr, dtypes));
  const fortranOrder = dict.get('fortran_order');
  if (fortranOrder !== false) {
    throw new NpyError(
      path,
      `fortran_order must be False (C order, row-major), got ${formatPy(fortranOrder)}; save a C-contiguous array (np.ascontiguousarray)`,
    );
  }
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n): n is number => typeof n === 'number')) {
    throw new NpyError(path, `expected a 2-D shape (rows, dims), got ${formatPy(shape)}`);
  }
  const [rows, columns] = shape as [number, number];
  checkShape(path, [rows, columns]);
  const itemBytes = FLOAT_DESCRS[descr as FloatDescr];
  return {
    version: [major, minor],
    descr: descr as FloatDescr,
    fortranOrder,
    shape: [rows, columns],
    dataOffset,
    dataBytes: rows * columns * itemBytes,
  };
}

/** numpy's names for the float dtypes. */
export const FLOAT_DTYPE_NAMES: Readonly<Record<FloatDescr, string>> = {
  '<f2': 'float16',
  '<f4': 'float32',
  '<f8': 'float64',
};

/** "expected float32 ('<f4'), got '<i8'", with a hint for the dtypes numpy users most often hold by mistake. */
function describeDtypeProblem(descr: PyValue | undefined, dtypes: readonly FloatDescr[]): string {
  const expected = dtypes.map((d) => `${FLOAT_DTYPE_NAMES[d]} ('${d}')`).join(', ');
  const got = formatPy(descr);
  let hint = '';
  if (typeof descr === 'string' && /^>f[248]$/.test(descr)) hint = "; it is big-endian: save arr.astype('<f4')";
  else if (typeof descr === 'string' && /^[<>|=]?[iu]\d$/.test(descr)) hint = '; integers are not embeddings';
  else if (typeof descr !== 'string') hint = '; a structured array is not a matrix of embeddings';
  return `expected ${dtypes.length === 1 ? expected : `one of ${expected}`}, got ${got}${hint}`;
}

function checkSize(path: string, header: NpyHeader, fileBytes: number): void {
  const expected = header.dataOffset + header.dataBytes;
  if (fileBytes === expected) return;
  const [rows, columns] = header.shape;
  const what = fileBytes < expected ? 'truncated' : 'has trailing bytes';
  throw new NpyError(
    path,
    `${what}: expected ${expected} bytes (${header.dataOffset}-byte header + ${rows}×${columns}×${FLOAT_DESCRS[header.descr]} data), file has ${fileBytes}`,
  );
}

/**
 * Reads and validates the header only (no data): for a quick check of shape against products.jsonl. `dtypes`:
 * the float dtypes accepted (default float32 only).
 */
export async function readNpyHeader(path: string, dtypes?: readonly FloatDescr[]): Promise<NpyHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = await readHeaderFrom(handle, path, size, dtypes);
    checkSize(path, header, size);
    return header;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a float32 `[rows, dims]` matrix. The data is read straight into a newly allocated Float32Array (one copy,
 * from the kernel), so it is 4-byte aligned whatever the header length. Async, so a service keeps answering
 * /healthz while a 200 MB index loads.
 */
export async function readNpy(path: string): Promise<{ data: Float32Array; shape: [number, number] }> {
  assertLittleEndian(path);
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const header = await readHeaderFrom(handle, path, size);
    checkSize(path, header, size);
    if (header.dataBytes > bufferConstants.MAX_LENGTH) {
      throw new NpyError(
        path,
        `${header.dataBytes} bytes of data is more than this Node can hold in one array (${bufferConstants.MAX_LENGTH})`,
      );
    }
    const data = new Float32Array(header.shape[0] * header.shape[1]);
    const bytes = new Uint8Array(data.buffer);
    const got = await readExactly(handle, bytes, header.dataOffset);
    if (got !== bytes.byteLength)
      throw new NpyError(path, `truncated while reading: got ${got} of ${bytes.byteLength} data bytes`);
    return { data, shape: [header.shape[0], header.shape[1]] };
  } finally {
    await handle.close();
  }
}

/** Row-by-row reading of a float matrix, whatever its float dtype: see openNpyRows. */
export interface NpyRowReader {
  readonly header: NpyHeader;
  /**
   * Rows `from` … `from + count - 1` as float64 values (exact for every accepted dtype), row-major. Throws
   * NpyError when the file is shorter than its header says.
   */
  readRows(from: number, count: number): Promise<Float64Array>;
  close(): Promise<void>;
}

/**
 * Opens a .npy matrix of any of `dtypes` (float16, float32, float64) for reading a block of rows at a time, so a
 * matrix of any size is read with flat memory: the index build's `--embeddings` input, which numpy users save in
 * whatever float type their pipeline produced.
 */
export async function openNpyRows(path: string, dtypes: readonly FloatDescr[]): Promise<NpyRowReader> {
  assertLittleEndian(path);
  const handle = await open(path, 'r');
  let header: NpyHeader;
  try {
    const { size } = await handle.stat();
    header = await readHeaderFrom(handle, path, size, dtypes);
    checkSize(path, header, size);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const [rows, columns] = header.shape;
  const itemBytes = FLOAT_DESCRS[header.descr];
  return {
    header,
    async readRows(from: number, count: number): Promise<Float64Array> {
      if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0 || from + count > rows)
        throw new RangeError(`${path}: rows ${from}..${from + count - 1} are outside 0..${rows - 1}`);
      const bytes = new Uint8Array(count * columns * itemBytes);
      const got = await readExactly(handle, bytes, header.dataOffset + from * columns * itemBytes);
      if (got !== bytes.byteLength)
        throw new NpyError(
          path,
          `truncated while reading rows ${from}..${from + count - 1}: got ${got} of ${bytes.byteLength} bytes`,
        );
      if (header.descr === '<f8') return new Float64Array(bytes.buffer);
      if (header.descr === '<f4') return Float64Array.from(new Float32Array(bytes.buffer));
      const halves = new Uint16Array(bytes.buffer);
      const values = new Float64Array(halves.length);
      for (let i = 0; i < halves.length; i += 1) values[i] = halfToNumber(halves[i] as number);
      return values;
    },
    close: () => handle.close(),
  };
}

/** IEEE 754 binary16 → number (Node 20 has no Float16Array). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// ---------------------------------------------------------------------------------------------------------------
// The header is a Python literal. This parses the subset numpy writes: dict, tuple, list, str, int, True/False/None.

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

function formatPy(value: PyValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value))
    return value.length === 1 ? `(${formatPy(value[0])},)` : `(${value.map(formatPy).join(', ')})`;
  return `{${[...value].map(([k, v]) => `'${k}': ${formatPy(v)}`).join(', ')}}`;
}

export function parsePyLiteral(text: string): PyValue {
  let position = 0;
  const skipSpace = (): void => {
    while (position < text.length && /\s/.test(text[position] ?? '')) position += 1;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${position}`);
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[position] !== char) fail(`expected '${char}'`);
    position += 1;
  };

  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      skipSpace();
      if (text[position] === close) {
        position += 1;
        return items;
      }
      items.push(parseValue());
      skipSpace();
      if (text[position] === ',') position += 1;
      else if (text[position] !== close) fail(`expected ',' or '${close}'`);
    }
  };

  const parseValue = (): PyValue => {
    skipSpace();
    const char = text[position];
    if (char === '{') {
      position += 1;
      const map = new Map<string, PyValue>();
      for (;;) {
        skipSpace();
        if (text[position] === '}') {
          position += 1;
          return map;
        }
        const key = parseValue();
        if (typeof key !== 'string') fail('dict keys must be strings');
        expect(':');
        map.set(key as string, parseValue());
        skipSpace();
        if (text[position] === ',') position += 1;
        else if (text[position] !== '}') fail("expected ',' or '}'");
      }
    }
    if (char === '(' || char === '[') {
      position += 1;
      return parseSequence(char === '(' ? ')' : ']');
    }
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, position + 1);
      if (end < 0) fail('unterminated string');
      const value = text.slice(position + 1, end);
      position = end + 1;
      return value;
    }
    const word = /^(?:True|False|None|-?\d+L?)/.exec(text.slice(position, position + 32));
    if (!word) return fail('unexpected input');
    position += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote long ints with an 'L' suffix ("(3L, 4L)").
    const value = Number(word[0].replace(/L$/, ''));
    if (!Number.isSafeInteger(value)) fail(`integer ${word[0]} is too large`);
    return value;
  };

  const value = parseValue();
  skipSpace();
  if (position !== text.length) fail('unexpected text after the literal');
  return value;
}
