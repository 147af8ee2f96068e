/**
 * The few pieces of the protobuf wire format needed to write an ONNX model: varints, length-delimited fields
 * (strings, bytes, nested messages) and nothing else. ONNX files are plain protobuf messages, so this is all
 * onnxruntime needs; we avoid a protobuf dependency for ~60 lines.
 * Wire format: https://protobuf.dev/programming-guides/encoding/
 *
 * Output is a pure function of the calls made, so a model written twice is byte-identical. Nested messages and
 * byte fields are kept by reference, never copied, until `finish()`: a 400 MB model is then held once, and
 * `chunks()` lets a caller write it to a file without building the single buffer at all.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

const UINT64_MASK = (1n << 64n) - 1n;

/** Base-128 varint of an int64; a negative number is its 64-bit two's complement (10 bytes), as protobuf does. */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new RangeError(`varint: ${value} is not a safe integer`);
  let rest = BigInt(value) & UINT64_MASK;
  const bytes: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(bytes);
}

/** Appends fields in call order. Nested messages are written by passing another finished writer. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private byteLength = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.byteLength += bytes.byteLength;
  }

  private key(field: number, wireType: number): void {
    this.push(encodeVarint(field * 8 + wireType));
  }

  /** int32, int64, enum and bool fields. */
  varint(field: number, value: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.push(encodeVarint(value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(value.byteLength));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Appends a finished nested message by reference: neither it nor the bytes it holds may change afterwards. */
  message(field: number, message: ProtoWriter): this {
    this.key(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(message.byteLength));
    for (const chunk of message.chunks()) this.push(chunk);
    return this;
  }

  /** The encoded message as the pieces it was written in (concatenated, they are `finish()`). */
  chunks(): readonly Uint8Array[] {
    return this.parts;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let offset = 0;
    for (const chunk of this.parts) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}
