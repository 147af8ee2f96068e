import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNpyWriter,
  encodeNpyHeader,
  halfToNumber,
  NpyError,
  openNpyRows,
  parsePyLiteral,
  readNpy,
  readNpyHeader,
  writeNpy,
} from '../../../../../workloads/search/index/format/npy.js';
import { findNumpyPython, requireNumpyPython, runPython } from '../../../../helpers/python.js';
import { useTempDir } from '../../../../helpers/temp-dir.js';

/** Deterministic values that are not all exactly representable, so a byte-order or offset slip shows. */
function matrix(rows: number, columns: number): Float32Array {
  const data = new Float32Array(rows * columns);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.sin(i * 0.37) * 10 + i / 7;
  return data;
}

/** The binary16 bits of a value that float16 represents exactly (the test's values are chosen so). */
function toHalf(value: number): number {
  if (value === 0) return 0;
  const sign = value < 0 ? 0x8000 : 0;
  const abs = Math.abs(value);
  const exponent = Math.floor(Math.log2(abs));
  if (exponent < -14) return sign | Math.round(abs / 2 ** -24);
  return sign | ((exponent + 15) << 10) | Math.round((abs / 2 ** exponent - 1) * 1024);
}

/** A .npy file with any header text, for the validation cases. */
function npyBytes(header: string, dataBytes: number, version: 1 | 2 = 1): Buffer {
  const lengthBytes = version === 1 ? 2 : 4;
  const preamble = Buffer.alloc(8 + lengthBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(preamble);
  if (version === 1) preamble.writeUInt16LE(header.length, 8);
  else preamble.writeUInt32LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.alloc(dataBytes)]);
}

describe('workloads/search/index/format/npy', () => {
  const tempDir = useTempDir('npy');

  describe('encodeNpyHeader', () => {
    it('writes magic, version 1.0 and a dict padded so the data starts at a multiple of 64 bytes', () => {
      for (const shape of [
        [0, 0],
        [3, 4],
        [65536, 768],
        [123456789, 1],
      ] as const) {
        const header = encodeNpyHeader(shape);
        assert.equal(header.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
        assert.equal(header.length % 64, 0);
        assert.equal(header.readUInt16LE(8), header.length - 10);
        const text = header.subarray(10).toString('latin1');
        assert.ok(text.endsWith('\n'));
        assert.equal(text.trimEnd(), `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape[0]}, ${shape[1]}), }`);
      }
    });
  });

  describe('writeNpy and readNpy', () => {
    it('round-trips a matrix with its shape and exact float32 values', async () => {
      const path = join(tempDir(), 'embeddings.npy');
      const data = matrix(37, 5);
      await writeNpy(path, data, [37, 5]);
      const read = await readNpy(path);
      assert.deepEqual(read.shape, [37, 5]);
      assert.deepEqual(read.data, data);
      assert.equal(statSync(path).size, 128 + 37 * 5 * 4);
    });

    it('round-trips an empty matrix', async () => {
      const path = join(tempDir(), 'empty.npy');
      await writeNpy(path, new Float32Array(0), [0, 768]);
      const read = await readNpy(path);
      assert.deepEqual(read.shape, [0, 768]);
      assert.equal(read.data.length, 0);
    });

    it('writes a subarray view from its offset, not from the start of its buffer', async () => {
      const path = join(tempDir(), 'view.npy');
      const whole = matrix(10, 3);
      await writeNpy(path, whole.subarray(6, 12), [2, 3]);
      assert.deepEqual((await readNpy(path)).data, whole.slice(6, 12));
    });

    it('rejects data whose length does not match the shape, leaving no file behind', async () => {
      const path = join(tempDir(), 'bad.npy');
      await assert.rejects(writeNpy(path, new Float32Array(5), [2, 3]), /data has 5 values, shape \(2, 3\) needs 6/);
      assert.deepEqual(readdirSync(tempDir()), []);
    });

    it('replaces an existing file only once the new one is complete', async () => {
      const path = join(tempDir(), 'embeddings.npy');
      await writeNpy(path, matrix(2, 2), [2, 2]);
      const before = readFileSync(path);
      const writer = await createNpyWriter(path, [4, 2]);
      await writer.write(matrix(2, 2));
      assert.deepEqual(readFileSync(path), before, 'the old file is intact while the new one is written');
      await assert.rejects(writer.commit(), /wrote 2 of 4 rows declared in the shape; nothing was replaced/);
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(tempDir()), ['embeddings.npy'], 'the temporary file is removed');
    });
  });

  describe('createNpyWriter', () => {
    it('streams rows block by block into one file', async () => {
      const path = join(tempDir(), 'streamed.npy');
      const data = matrix(10, 4);
      const writer = await createNpyWriter(path, [10, 4]);
      for (let row = 0; row < 10; row += 3) await writer.write(data.subarray(row * 4, Math.min(10, row + 3) * 4));
      await writer.commit();
      assert.deepEqual((await readNpy(path)).data, data);
    });

    it('refuses partial rows and more rows than declared', async () => {
      const writer = await createNpyWriter(join(tempDir(), 'x.npy'), [2, 4]);
      await assert.rejects(writer.write(new Float32Array(3)), /a block must hold whole rows of 4 values \(got 3\)/);
      await assert.rejects(writer.write(new Float32Array(12)), /more rows than the declared shape \(2, 4\): 3 rows/);
      await writer.abort();
      assert.deepEqual(readdirSync(tempDir()), []);
    });
  });

  describe('readNpyHeader', () => {
    it('reports version, dtype, order, shape and data offset without reading the data', async () => {
      const path = join(tempDir(), 'h.npy');
      await writeNpy(path, matrix(3, 2), [3, 2]);
      assert.deepEqual(await readNpyHeader(path), {
        version: [1, 0],
        descr: '<f4',
        fortranOrder: false,
        shape: [3, 2],
        dataOffset: 128,
        dataBytes: 24,
      });
    });

    it('accepts version 2.0 headers (uint32 header length)', async () => {
      const path = join(tempDir(), 'v2.npy');
      writeFileSync(path, npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24, 2));
      const header = await readNpyHeader(path);
      assert.deepEqual(header.version, [2, 0]);
      assert.equal(header.dataOffset, 12 + 60);
    });
  });

  describe('validation errors', () => {
    const GOOD = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
    const cases: Array<{ name: string; bytes: () => Buffer; error: RegExp }> = [
      {
        name: 'bad magic',
        bytes: () => Buffer.from('PK\x03\x04 this is a zip file'),
        error: /not a \.npy file \(expected the magic "\\x93NUMPY", got "PK/,
      },
      { name: 'an empty file', bytes: () => Buffer.alloc(0), error: /not a \.npy file/ },
      {
        name: 'an unknown version',
        bytes: () => {
          const b = npyBytes(GOOD, 24);
          b[6] = 4;
          return b;
        },
        error: /unsupported \.npy version 4\.0/,
      },
      {
        name: 'a float64 dtype',
        bytes: () => npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", 48),
        error: /expected float32 \('<f4'\), got '<f8'/,
      },
      {
        name: 'a big-endian float32 dtype',
        bytes: () => npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24),
        error: /expected float32 \('<f4'\), got '>f4'/,
      },
      {
        name: 'a structured dtype',
        bytes: () => npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", 8),
        error: /expected float32 \('<f4'\), got \(\('a', '<f4'\),\)/,
      },
      {
        name: 'Fortran order',
        bytes: () => npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", 24),
        error: /fortran_order must be False \(C order, row-major\), got True/,
      },
      {
        name: 'a 1-D shape',
        bytes: () => npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\n", 24),
        error: /expected a 2-D shape \(rows, dims\), got \(6,\)/,
      },
      {
        name: 'a 3-D shape',
        bytes: () => npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }\n", 24),
        error: /expected a 2-D shape \(rows, dims\), got \(1, 2, 3\)/,
      },
      {
        name: 'truncated data',
        bytes: () => npyBytes(GOOD, 20),
        error: /truncated: expected 94 bytes \(70-byte header \+ 2×3×4 data\), file has 90/,
      },
      {
        name: 'trailing bytes',
        bytes: () => npyBytes(GOOD, 28),
        error: /has trailing bytes: expected 94 bytes .* file has 98/,
      },
      {
        name: 'a header longer than the file',
        bytes: () => npyBytes(GOOD, 0).subarray(0, 30),
        error: /truncated header: it declares 60 bytes, the file has 30 in all/,
      },
      {
        name: 'a header that is not a dict',
        bytes: () => npyBytes('[1, 2]\n', 0),
        error: /malformed header "\[1, 2\]": the header is not a dict/,
      },
      {
        name: 'a header with a missing key',
        bytes: () => npyBytes("{'descr': '<f4', 'shape': (2, 3)}\n", 24),
        error: /malformed header: missing 'fortran_order'/,
      },
      {
        name: 'a header that does not parse',
        bytes: () => npyBytes("{'descr': '<f4', 'fortran_order': Fals", 24),
        error: /malformed header .*unexpected input at offset/,
      },
    ];
    for (const { name, bytes, error } of cases) {
      it(`rejects ${name}, naming the file`, async () => {
        const path = join(tempDir(), 'bad.npy');
        writeFileSync(path, bytes());
        await assert.rejects(readNpy(path), (err: unknown) => {
          assert.ok(err instanceof NpyError, `NpyError expected, got ${String(err)}`);
          assert.ok(err.message.startsWith(`${path}: `), err.message);
          assert.match(err.message, error);
          return true;
        });
      });
    }

    it('reads data at an offset that is not a multiple of 4 (older writers padded to 16)', async () => {
      const path = join(tempDir(), 'odd.npy');
      const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   \n"; // 10 + 63 = 73 bytes
      const data = matrix(2, 3);
      writeFileSync(path, Buffer.concat([npyBytes(header, 0), Buffer.from(data.buffer)]));
      const read = await readNpy(path);
      assert.equal((await readNpyHeader(path)).dataOffset, 73);
      assert.deepEqual(read.data, data);
      assert.equal(read.data.byteOffset % 4, 0);
    });
  });

  describe('parsePyLiteral', () => {
    it('parses the subset numpy writes, Python 2 long ints included', () => {
      const parsed = parsePyLiteral(
        "{'descr': '<f4', \"fortran_order\": False, 'shape': (3L, 4L), 'x': [None, True, ()], }",
      );
      assert.ok(parsed instanceof Map);
      assert.deepEqual(
        [...parsed],
        [
          ['descr', '<f4'],
          ['fortran_order', false],
          ['shape', [3, 4]],
          ['x', [null, true, []]],
        ],
      );
    });
  });

  describe('findNumpyPython (test helper)', () => {
    it('finds no numpy in a python that does not exist, which is the skip/fail path of requireNumpyPython', () => {
      assert.equal(findNumpyPython(['/nonexistent/python3']), undefined);
    });
  });

  describe('with real numpy', function () {
    let python: string;
    before(function () {
      python = requireNumpyPython(this, 'the .npy round trip with numpy proves the files are real .npy files');
    });

    it('numpy loads what writeNpy wrote: shape, dtype, C order and every value', async () => {
      const path = join(tempDir(), 'ours.npy');
      const data = matrix(129, 7);
      await writeNpy(path, data, [129, 7]);
      const script = [
        'import json, sys, numpy as np',
        'a = np.load(sys.argv[1])',
        "print(json.dumps({'shape': a.shape, 'dtype': a.dtype.str, 'c': bool(a.flags.c_contiguous), 'values': a.ravel().tolist()}))",
      ].join('\n');
      const out = JSON.parse(runPython(python, script, [path])) as {
        shape: number[];
        dtype: string;
        c: boolean;
        values: number[];
      };
      assert.deepEqual(out.shape, [129, 7]);
      assert.equal(out.dtype, '<f4');
      assert.equal(out.c, true);
      assert.deepEqual(Float32Array.from(out.values), data);
    });

    it('readNpy reads what np.save wrote, in versions 1.0, 2.0 and 3.0', async () => {
      const script = [
        'import sys, numpy as np',
        'a = (np.arange(5 * 3, dtype=np.float32).reshape(5, 3) / np.float32(3)) - np.float32(2.5)',
        'np.save(sys.argv[1] + "/v1.npy", a)',
        'for v in (2, 3):',
        '    with open(sys.argv[1] + f"/v{v}.npy", "wb") as f: np.lib.format.write_array(f, a, version=(v, 0))',
      ].join('\n');
      runPython(python, script, [tempDir()]);
      const expected = new Float32Array(15);
      for (let i = 0; i < 15; i += 1) expected[i] = Math.fround(Math.fround(i) / 3) - 2.5;
      for (const version of [1, 2, 3]) {
        const path = join(tempDir(), `v${version}.npy`);
        const header = await readNpyHeader(path);
        assert.deepEqual(header.version, [version, 0]);
        const read = await readNpy(path);
        assert.deepEqual(read.shape, [5, 3]);
        assert.deepEqual(read.data, expected, `values of v${version}`);
      }
    });

    it('names the problem in files numpy wrote with another dtype, order or rank', async () => {
      const script = [
        'import sys, numpy as np',
        'd = sys.argv[1]',
        'np.save(d + "/f8.npy", np.zeros((2, 3)))',
        'np.save(d + "/fortran.npy", np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))',
        'np.save(d + "/flat.npy", np.zeros(6, dtype=np.float32))',
      ].join('\n');
      runPython(python, script, [tempDir()]);
      await assert.rejects(readNpy(join(tempDir(), 'f8.npy')), /expected float32 \('<f4'\), got '<f8'/);
      await assert.rejects(readNpy(join(tempDir(), 'fortran.npy')), /fortran_order must be False/);
      await assert.rejects(readNpy(join(tempDir(), 'flat.npy')), /expected a 2-D shape \(rows, dims\), got \(6,\)/);
    });
  });
  describe('openNpyRows', () => {
    const FLOATS = ['<f2', '<f4', '<f8'] as const;

    it('reads blocks of rows of float16, float32 and float64 matrices as float64 values', async () => {
      const values = [0.5, -2, 1024, 0.0999755859375, 65504, -(2 ** -14)];
      const cases = [
        ['<f2', 2, (b: Buffer, i: number, v: number) => b.writeUInt16LE(toHalf(v), i * 2)],
        ['<f4', 4, (b: Buffer, i: number, v: number) => b.writeFloatLE(v, i * 4)],
        ['<f8', 8, (b: Buffer, i: number, v: number) => b.writeDoubleLE(v, i * 8)],
      ] as const;
      for (const [descr, size, write] of cases) {
        const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (3, 2), }`.padEnd(117) + '\n';
        const bytes = npyBytes(header, values.length * size);
        const data = bytes.subarray(bytes.length - values.length * size);
        values.forEach((v, i) => write(data, i, v));
        const path = join(tempDir(), `${descr.slice(1)}.npy`);
        writeFileSync(path, bytes);
        const reader = await openNpyRows(path, FLOATS);
        try {
          assert.equal(reader.header.descr, descr);
          assert.deepEqual(reader.header.shape, [3, 2]);
          const expected = descr === '<f4' ? values.map(Math.fround) : values;
          assert.deepEqual(Array.from(await reader.readRows(1, 2)), expected.slice(2), descr);
          assert.deepEqual(Array.from(await reader.readRows(0, 1)), expected.slice(0, 2), descr);
          await assert.rejects(reader.readRows(2, 2), /rows 2\.\.3 are outside 0\.\.2/);
        } finally {
          await reader.close();
        }
      }
    });

    it('names a big-endian, integer or truncated file', async () => {
      const cases = [
        ["'>f4'", 24, /got '>f4'; it is big-endian: save arr\.astype\('<f4'\)/],
        ["'<i8'", 48, /got '<i8'; integers are not embeddings/],
        ["'<f8'", 40, /truncated: expected 176 bytes \(128-byte header \+ 3×2×8 data\), file has 168/],
      ] as const;
      for (const [descr, dataBytes, pattern] of cases) {
        const header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (3, 2), }`.padEnd(117) + '\n';
        const path = join(tempDir(), 'bad.npy');
        writeFileSync(path, npyBytes(header, dataBytes));
        await assert.rejects(openNpyRows(path, FLOATS), (err: unknown) => {
          assert.ok(err instanceof NpyError);
          assert.match(err.message, pattern);
          return true;
        });
      }
    });
  });

  describe('halfToNumber', () => {
    it('decodes normal, subnormal and special binary16 values', () => {
      assert.equal(halfToNumber(0x3c00), 1);
      assert.equal(halfToNumber(0xc000), -2);
      assert.equal(halfToNumber(0x7bff), 65504);
      assert.equal(halfToNumber(0x0001), 2 ** -24);
      assert.equal(halfToNumber(0x8000), -0);
      assert.equal(halfToNumber(0x7c00), Number.POSITIVE_INFINITY);
      assert.ok(Number.isNaN(halfToNumber(0x7e00)));
    });
  });
});
