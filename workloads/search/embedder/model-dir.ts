import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/**
 * What a model directory must hold for transformers.js feature extraction (the Hugging Face layout, as in the
 * Xenova/* exports and our tiny model), checked before transformers.js is called so a wrong `--model` fails at
 * once with the directory and the missing file instead of a warning and a stack from deep inside the library.
 */

export const REQUIRED_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/** transformers.js 2.x loads `onnx/model_quantized.onnx` with `quantized: true` (its default), else `onnx/model.onnx`. */
export const ONNX_FILES = { quantized: 'onnx/model_quantized.onnx', full: 'onnx/model.onnx' } as const;

/** A model directory we cannot use; the message starts with the directory. */
export class ModelDirError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`model directory ${dir}: ${reason}`);
    this.name = 'ModelDirError';
  }
}

export interface ModelDir {
  /** Absolute path. */
  readonly dir: string;
  /** The directory's name ("tiny", "all-mpnet-base-v2"), the readable part of the model id. */
  readonly name: string;
  /** Whether transformers.js must be asked for the quantized file. */
  readonly quantized: boolean;
  /** Files that decide the output, relative to `dir`: the three JSON files and the ONNX file used. */
  readonly files: readonly string[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Checks `modelDir` and picks the ONNX file. With `quantized` unset, the quantized file is used when present
 * (what transformers.js would load by default) and `onnx/model.onnx` otherwise.
 */
export async function inspectModelDir(modelDir: string, quantized?: boolean): Promise<ModelDir> {
  const dir = resolve(modelDir);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelDirError(dir, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`);
  }
  if (!isDirectory) throw new ModelDirError(dir, 'is not a directory');

  const expectation = `a transformers.js model needs ${REQUIRED_MODEL_FILES.join(', ')} and ${ONNX_FILES.full} or ${ONNX_FILES.quantized}`;
  const missing: string[] = [];
  for (const file of REQUIRED_MODEL_FILES) if (!(await isFile(join(dir, file)))) missing.push(file);
  const hasQuantized = await isFile(join(dir, ONNX_FILES.quantized));
  const hasFull = await isFile(join(dir, ONNX_FILES.full));
  let onnxFile: string | undefined;
  if (quantized === true) onnxFile = hasQuantized ? ONNX_FILES.quantized : undefined;
  else if (quantized === false) onnxFile = hasFull ? ONNX_FILES.full : undefined;
  else onnxFile = hasQuantized ? ONNX_FILES.quantized : hasFull ? ONNX_FILES.full : undefined;
  if (!onnxFile) {
    missing.push(
      quantized === true
        ? ONNX_FILES.quantized
        : quantized === false
          ? ONNX_FILES.full
          : `${ONNX_FILES.full} (or ${ONNX_FILES.quantized})`,
    );
  }
  if (missing.length > 0) throw new ModelDirError(dir, `missing ${missing.join(', ')} (${expectation})`);

  return {
    dir,
    name: basename(dir),
    quantized: onnxFile === ONNX_FILES.quantized,
    files: [...REQUIRED_MODEL_FILES, onnxFile as string],
  };
}

/** One file of a model: its size and SHA-256. */
export interface ModelFileDigest {
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * What identifies a model: its content, never where it lies. Two copies of one model under any two directory
 * names get one id; a retrained or re-exported model, another tokenizer or the other ONNX file gets another.
 */
export interface ModelIdentity {
  /** `sha256-<16 hex digits>` over each file's relative path, size and SHA-256 (see modelIdOf). */
  readonly id: string;
  /** The directory's name ("tiny", "all-mpnet-base-v2"): for logs and messages only, never compared. */
  readonly name: string;
  /** The files that decide the vectors, by path relative to the directory (config.json, …, onnx/model.onnx). */
  readonly files: Readonly<Record<string, ModelFileDigest>>;
  /**
   * The content digest of ids written before ids were content only (`<name>@<12 hex digits>`: a SHA-256 over
   * each file's path, size and bytes in turn), so an index built then is still recognised by its content.
   */
  readonly legacyDigest: string;
}

const MODEL_ID_PREFIX = 'sha256-';
const MODEL_ID_HEX_DIGITS = 16;
/** An id from before content-only ids: the directory's name, '@', 12 hex digits. */
const LEGACY_MODEL_ID = /^(.+)@([0-9a-f]{12})$/;

/** The id of a model with these files: a SHA-256 over "path\0bytes\0sha256\n" per file, sorted by path. */
export function modelIdOf(files: Readonly<Record<string, ModelFileDigest>>): string {
  const hash = createHash('sha256');
  for (const path of Object.keys(files).sort()) {
    const { bytes, sha256 } = files[path] as ModelFileDigest;
    hash.update(`${path}\0${bytes}\0${sha256}\n`);
  }
  return `${MODEL_ID_PREFIX}${hash.digest('hex').slice(0, MODEL_ID_HEX_DIGITS)}`;
}

/** The 12-digit digest of an id written before ids were content only (`tiny@85232b71f2e9`), else undefined. */
export function legacyModelDigest(modelId: string): string | undefined {
  return LEGACY_MODEL_ID.exec(modelId)?.[2];
}

/**
 * Reads the model's files once: each file's SHA-256 and, in the same pass, the digest of the ids written before
 * (legacyDigest).
 */
export async function identifyModel(model: ModelDir): Promise<ModelIdentity> {
  const legacy = createHash('sha256');
  const files: Record<string, ModelFileDigest> = {};
  for (const file of model.files) {
    const path = join(model.dir, file);
    const { size } = await stat(path);
    legacy.update(`${file}\0${size}\0`);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      legacy.update(chunk as Buffer);
    }
    files[file] = { sha256: hash.digest('hex'), bytes: size };
  }
  return { id: modelIdOf(files), name: model.name, files, legacyDigest: legacy.digest('hex').slice(0, 12) };
}

/** The model's id (identifyModel). */
export async function computeModelId(model: ModelDir): Promise<string> {
  return (await identifyModel(model)).id;
}

export interface ModelComparison {
  /** Whether the two are the same model. */
  readonly isSame: boolean;
  /** When they differ: which files, as far as the recorded side tells ("onnx/model.onnx differs"). */
  readonly differences: readonly string[];
}

/**
 * Compares the model an index was built with (its manifest's id and, when recorded, its files) with a loaded one,
 * by content only. An id from before content-only ids matches when its digest is the loaded model's legacyDigest.
 */
export function compareModels(
  recorded: { readonly id: string; readonly files?: Readonly<Record<string, ModelFileDigest>> },
  loaded: { readonly id: string; readonly identity?: ModelIdentity },
): ModelComparison {
  if (recorded.id === loaded.id) return { isSame: true, differences: [] };
  const legacy = legacyModelDigest(recorded.id);
  if (legacy !== undefined && loaded.identity !== undefined && legacy === loaded.identity.legacyDigest)
    return { isSame: true, differences: [] };
  if (!recorded.files || !loaded.identity) return { isSame: false, differences: [] };
  const differences: string[] = [];
  const theirs = recorded.files;
  const ours = loaded.identity.files;
  for (const path of [...new Set([...Object.keys(theirs), ...Object.keys(ours)])].sort()) {
    const a = theirs[path];
    const b = ours[path];
    if (!a) differences.push(`${path} only in the loaded model`);
    else if (!b) differences.push(`${path} only in the index's model`);
    else if (a.sha256 !== b.sha256)
      differences.push(
        `${path} differs (${a.bytes === b.bytes ? `same size, ${a.bytes} bytes` : `${a.bytes} vs ${b.bytes} bytes`})`,
      );
  }
  return { isSame: false, differences };
}
