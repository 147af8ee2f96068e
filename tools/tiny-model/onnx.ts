import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { ProtoWriter } from './protobuf.js';

/**
 * Encodes the subset of ONNX (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) a small embedding graph
 * needs: a model with one graph of nodes, initializers (weights as raw little-endian bytes), typed inputs and
 * outputs with symbolic dimensions, int/ints/tensor attributes and metadata. Field numbers are onnx.proto's.
 * Repeated scalars are written unpacked, the proto2 default that onnx.proto uses; every parser accepts it.
 */

/** TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;
export type OnnxDataType = (typeof OnnxDataType)[keyof typeof OnnxDataType];

const AttributeType = { INT: 2, TENSOR: 4, INTS: 7 } as const;

export interface OnnxTensor {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly dims: readonly number[];
  /** Row-major values, little-endian, as TensorProto.raw_data expects. */
  readonly rawData: Uint8Array;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: OnnxDataType;
  /** A number is a fixed size; a string names a dimension that varies per call ("batch", "sequence"). */
  readonly shape: readonly (number | string)[];
}

export type OnnxAttribute =
  | { readonly name: string; readonly int: number }
  | { readonly name: string; readonly ints: readonly number[] }
  | { readonly name: string; readonly tensor: OnnxTensor };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly OnnxAttribute[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly docString?: string;
}

export interface OnnxModel {
  /** IR version 7 goes with opset 13 (ONNX 1.8); onnxruntime 1.14 reads up to IR 8 / opset 18. */
  readonly irVersion: number;
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: OnnxGraph;
  readonly docString?: string;
  /** Written in the given order (metadata_props), so the bytes do not depend on object key order elsewhere. */
  readonly metadata?: ReadonlyArray<readonly [key: string, value: string]>;
}

function tensorProto(tensor: OnnxTensor): ProtoWriter {
  const out = new ProtoWriter();
  for (const dim of tensor.dims) out.varint(1, dim);
  out.varint(2, tensor.dataType);
  out.string(8, tensor.name);
  out.bytes(9, tensor.rawData);
  return out;
}

function valueInfoProto(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    const dimension = new ProtoWriter();
    if (typeof dim === 'number') dimension.varint(1, dim);
    else dimension.string(2, dim);
    shape.message(1, dimension);
  }
  const tensorType = new ProtoWriter().varint(1, info.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, info.name).message(2, type);
}

function attributeProto(attribute: OnnxAttribute): ProtoWriter {
  const out = new ProtoWriter().string(1, attribute.name);
  if ('int' in attribute) out.varint(3, attribute.int).varint(20, AttributeType.INT);
  else if ('ints' in attribute) {
    for (const value of attribute.ints) out.varint(8, value);
    out.varint(20, AttributeType.INTS);
  } else out.message(5, tensorProto(attribute.tensor)).varint(20, AttributeType.TENSOR);
  return out;
}

function nodeProto(node: OnnxNode): ProtoWriter {
  const out = new ProtoWriter();
  for (const input of node.inputs) out.string(1, input);
  for (const output of node.outputs) out.string(2, output);
  out.string(3, node.name);
  out.string(4, node.opType);
  for (const attribute of node.attributes ?? []) out.message(5, attributeProto(attribute));
  return out;
}

function graphProto(graph: OnnxGraph): ProtoWriter {
  const out = new ProtoWriter();
  for (const node of graph.nodes) out.message(1, nodeProto(node));
  out.string(2, graph.name);
  for (const initializer of graph.initializers) out.message(5, tensorProto(initializer));
  if (graph.docString) out.string(10, graph.docString);
  for (const input of graph.inputs) out.message(11, valueInfoProto(input));
  for (const output of graph.outputs) out.message(12, valueInfoProto(output));
  return out;
}

const STAGING_BYTES = 1 << 20;

function modelProto(model: OnnxModel): ProtoWriter {
  const out = new ProtoWriter();
  out.varint(1, model.irVersion);
  out.string(2, model.producerName);
  out.string(3, model.producerVersion);
  if (model.docString) out.string(6, model.docString);
  out.message(7, graphProto(model.graph));
  // The default ("ai.onnx") operator set is the empty domain.
  out.message(8, new ProtoWriter().string(1, '').varint(2, model.opsetVersion));
  for (const [key, value] of model.metadata ?? []) out.message(14, new ProtoWriter().string(1, key).string(2, value));
  return out;
}

/** The serialized ModelProto: what an `.onnx` file holds. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return modelProto(model).finish();
}

/**
 * Writes the same bytes as `encodeOnnxModel` to `path` piece by piece, so a model of hundreds of megabytes is
 * never copied into one buffer (its tensors' raw data are written from where they are).
 */
export async function writeOnnxModel(path: string, model: OnnxModel): Promise<number> {
  const file = await open(path, 'w');
  let written = 0;
  const writeAll = async (bytes: Uint8Array): Promise<void> => {
    for (let offset = 0; offset < bytes.byteLength;) {
      offset += (await file.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
    }
    written += bytes.byteLength;
  };
  // Most pieces are a few bytes (field keys, lengths, names): they are gathered into one buffer per write.
  const staging = new Uint8Array(STAGING_BYTES);
  let staged = 0;
  try {
    for (const chunk of modelProto(model).chunks()) {
      if (staged + chunk.byteLength > STAGING_BYTES && staged > 0) {
        await writeAll(staging.subarray(0, staged));
        staged = 0;
      }
      if (chunk.byteLength >= STAGING_BYTES) await writeAll(chunk);
      else {
        staging.set(chunk, staged);
        staged += chunk.byteLength;
      }
    }
    if (staged > 0) await writeAll(staging.subarray(0, staged));
  } finally {
    await file.close();
  }
  return written;
}

/** Float32 values as little-endian raw bytes (a copy, so the caller's array may change afterwards). */
export function float32RawData(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return out;
}

/**
 * Float32 values as raw bytes without a copy where the machine is little-endian (every platform Node runs on in
 * practice), else a converted copy: for tensors of hundreds of megabytes. `values` must not change afterwards.
 */
export function float32RawDataView(values: Float32Array): Uint8Array {
  return endianness() === 'LE'
    ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    : float32RawData(values);
}

/** Int8 or uint8 values as raw bytes (one byte each, so no byte order), without a copy. */
export function int8RawData(values: Int8Array | Uint8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function int64RawData(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => view.setBigInt64(i * 8, BigInt(value), true));
  return out;
}
