import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads and checks the header of a file written by usearch's `save` (2.x, dense index) before the native `load`
 * sees it: handed a file that is not one — or one for another shape — the native loader dereferences whatever
 * its first bytes say and takes the process down (measured: a short text file segfaults Node). Layout:
 *
 *   u32 rows, u32 bytes per row, rows × bytes per row         the (quantised) vectors
 *   "usearch", u16 major, minor, patch,                      the dense-index head
 *   u8 metric, scalar, key, slot kinds, u64 present, u64 deleted, u64 dimensions, u8 multi
 *   … the graph
 */

const MAGIC = 'usearch';
const HEAD_BYTES = 7 + 3 * 2 + 4 + 3 * 8 + 1;
/** usearch's scalar_kind_t codes and sizes of the two storages roleplane writes (full width, projected). */
const SCALARS = {
  i8: { code: 0x17, bytes: 1, name: 'int8' },
  f32: { code: 0x0b, bytes: 4, name: 'float32' },
} as const;
export type StoredScalar = keyof typeof SCALARS;
/** metric_kind_t codes are ASCII letters. */
const METRICS: Readonly<Record<number, string>> = { 0x63: 'cos', 0x69: 'ip', 0x65: 'l2sq' };

export interface UsearchHeader {
  readonly rows: number;
  readonly dimensions: number;
  readonly version: string;
  readonly metric: string;
}

/** Throws an Error naming `path` and what is wrong unless it is a dense index of `rows` × `dimensions` `scalar`s. */
export function checkUsearchFile(
  path: string,
  rows: number,
  dimensions: number,
  scalar: StoredScalar = 'i8',
): UsearchHeader {
  const { code, bytes, name } = SCALARS[scalar];
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const fail = (reason: string): never => {
      throw new Error(`${path}: ${reason}`);
    };
    const read = (position: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      if (readSync(fd, buffer, 0, length, position) !== length)
        fail(`ends at byte ${size}, before its header does (truncated, or not a usearch index)`);
      return buffer;
    };
    const matrix = read(0, 8);
    const fileRows = matrix.readUInt32LE(0);
    const fileColumns = matrix.readUInt32LE(4);
    if (fileRows !== rows || fileColumns !== dimensions * bytes) {
      fail(
        `starts with a ${fileRows} × ${fileColumns} matrix, expected ${rows} × ${dimensions * bytes} (not this index's graph, or not a usearch index)`,
      );
    }
    const headAt = 8 + rows * dimensions * bytes;
    if (size < headAt + HEAD_BYTES)
      fail(`has ${size} bytes, too few for ${rows} × ${dimensions} ${name} vectors and a header (truncated)`);
    const head = read(headAt, HEAD_BYTES);
    if (head.toString('latin1', 0, 7) !== MAGIC) fail(`no "${MAGIC}" header after the vectors (not a usearch index)`);
    const version = `${head.readUInt16LE(7)}.${head.readUInt16LE(9)}.${head.readUInt16LE(11)}`;
    const metric = METRICS[head.readUInt8(13)] ?? `0x${head.readUInt8(13).toString(16)}`;
    if (head.readUInt8(14) !== code)
      fail(`stores scalars of kind 0x${head.readUInt8(14).toString(16)}, expected ${scalar}`);
    const present = Number(head.readBigUInt64LE(17));
    const headDimensions = Number(head.readBigUInt64LE(33));
    if (present !== rows || headDimensions !== dimensions)
      fail(`header says ${present} vectors of ${headDimensions} dimensions, expected ${rows} × ${dimensions}`);
    return { rows, dimensions, version, metric };
  } finally {
    closeSync(fd);
  }
}
