import { open, stat } from 'node:fs/promises';
import { loadNodeLlamaCpp } from './node-llama-cpp.loader';

/** A model file that llama.cpp must not be given: the message says what is wrong and how to fix it. */
export class InvalidModelFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      `The model file ${file} is not a usable GGUF model: ${reason}. ` +
        'Supply a complete GGUF file (LLAMA_MODEL=/path/to/model.gguf) or an https URL to download one.',
    );
    this.name = 'InvalidModelFileError';
  }
}

const GGUF_MAGIC = Buffer.from('GGUF', 'ascii');

/**
 * Architectures llama.cpp loads without per-layer attention heads or a feed-forward length (state-space and RWKV
 * models); every other architecture needs both keys.
 */
const RECURRENT_ARCHITECTURES = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7']);

/** Cheap check on the first bytes: the magic and a known version. Used on downloads before they are kept. */
export async function checkGgufMagic(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(8);
    const { bytesRead } = await handle.read(header, 0, 8, 0);
    if (bytesRead < 8 || !header.subarray(0, 4).equals(GGUF_MAGIC)) {
      throw new InvalidModelFileError(file, 'it does not start with the GGUF magic bytes');
    }
    const version = header.readUInt32LE(4);
    if (version < 2 || version > 3) {
      throw new InvalidModelFileError(file, `unsupported GGUF version ${version}`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Validates a GGUF file before llama.cpp sees it. Some omissions (`<arch>.feed_forward_length`,
 * `<arch>.attention.head_count`) make llama.cpp abort the whole process, which no try/catch can stop; a file cut
 * short makes it fail later with an unhelpful message. Both are caught here with a clear one.
 */
export async function checkGgufFile(file: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      throw new InvalidModelFileError(file, 'it is not a regular file');
    }
    size = info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidModelFileError(file, 'the file does not exist');
    }
    throw error;
  }
  await checkGgufMagic(file);

  const { readGgufFileInfo, GgufInsights } = await loadNodeLlamaCpp();
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(file, { readTensorInfo: true, ignoreKeys: [] });
  } catch (error) {
    throw new InvalidModelFileError(file, `its header cannot be read (${(error as Error).message})`);
  }
  const metadata = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const architecture = (metadata.general as { architecture?: unknown } | undefined)?.architecture;
  if (typeof architecture !== 'string' || architecture.length === 0) {
    throw new InvalidModelFileError(file, 'the key general.architecture is missing');
  }
  const required = ['context_length', 'embedding_length', 'block_count'];
  if (!RECURRENT_ARCHITECTURES.has(architecture)) {
    required.push('feed_forward_length', 'attention.head_count');
  }
  const arch = metadata[architecture];
  const missing = required.filter((key) => readPath(arch, key) === undefined).map((key) => `${architecture}.${key}`);
  const tokenizer = metadata.tokenizer as { ggml?: Record<string, unknown> } | undefined;
  for (const key of ['model', 'tokens']) {
    if (tokenizer?.ggml?.[key] === undefined) {
      missing.push(`tokenizer.ggml.${key}`);
    }
  }
  if (missing.length > 0) {
    throw new InvalidModelFileError(file, `required keys are missing: ${missing.join(', ')}`);
  }
  const tensors = info.tensorInfo ?? [];
  if (tensors.length === 0 || info.infoEndOffset === undefined) {
    throw new InvalidModelFileError(file, 'it has no tensors');
  }
  // The tensor data must fit in the file: a download cut short is caught here, not deep inside llama.cpp.
  const dataBytes = (await GgufInsights.from(info)).modelSize;
  if (info.splicedParts === 1 && info.infoEndOffset + dataBytes > size) {
    throw new InvalidModelFileError(
      file,
      `it is truncated (${size} bytes on disk, the header describes ${info.infoEndOffset + dataBytes})`,
    );
  }
}

function readPath(root: Record<string, unknown> | undefined, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
