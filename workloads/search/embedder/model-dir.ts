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

/**
 * `<name>@<12 hex digits>`: the directory name plus a short SHA-256 over the files that decide the vectors
 * (each file's relative path, size and bytes). Two copies of one model agree; a retrained or re-exported model
 * or another tokenizer gets a new id, so cached query vectors and an index built with another model are noticed.
 */
export async function computeModelId(model: ModelDir): Promise<string> {
  const hash = createHash('sha256');
  for (const file of model.files) {
    const path = join(model.dir, file);
    const { size } = await stat(path);
    hash.update(`${file}\0${size}\0`);
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return `${model.name}@${hash.digest('hex').slice(0, 12)}`;
}
