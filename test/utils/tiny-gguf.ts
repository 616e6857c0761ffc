import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a tiny but real GGUF model (llama architecture, random f32 weights, byte-level SentencePiece vocab, ChatML
 * template) so the embedded backend can be tested offline without committing a model binary. Output is gibberish;
 * tests assert structure, never wording.
 */
export interface TinyGgufOptions {
  seed?: number;
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  feedForwardLength?: number;
  contextLength?: number;
  /** Keys to leave out, to produce files llama.cpp would reject (or abort on). */
  omitKeys?: string[];
}

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const ALIGNMENT = 32;

enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  STRING = 8,
  ARRAY = 9,
}

type KvValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: string[] }
  | { type: 'f32[]'; value: number[] }
  | { type: 'i32[]'; value: number[] };

/** The special tokens' ids, for tests that steer the model. */
export const TINY_TOKENS = { unk: 0, bos: 1, eos: 2 } as const;

export interface TinyVocab {
  tokens: string[];
  types: number[];
  imStart: number;
  imEnd: number;
}

export function tinyVocab(): TinyVocab {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const imStart = tokens.push('<|im_start|>') - 1;
  types.push(3);
  const imEnd = tokens.push('<|im_end|>') - 1;
  types.push(3);
  tokens.push('\u2581');
  types.push(1);
  for (let code = 0x21; code <= 0x7e; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(1);
  }
  return { tokens, types, imStart, imEnd };
}

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** mulberry32: small, seedable, good enough for random weights. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class ByteWriter {
  private readonly chunks: Buffer[] = [];
  length = 0;

  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) {
      this.push(Buffer.alloc(alignment - rest));
    }
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeKv(out: ByteWriter, key: string, kv: KvValue): void {
  out.string(key);
  switch (kv.type) {
    case 'u32':
      out.u32(ValueType.UINT32);
      out.u32(kv.value);
      return;
    case 'f32':
      out.u32(ValueType.FLOAT32);
      out.f32(kv.value);
      return;
    case 'string':
      out.u32(ValueType.STRING);
      out.string(kv.value);
      return;
    case 'string[]':
      out.u32(ValueType.ARRAY);
      out.u32(ValueType.STRING);
      out.u64(kv.value.length);
      kv.value.forEach((s) => out.string(s));
      return;
    case 'f32[]':
      out.u32(ValueType.ARRAY);
      out.u32(ValueType.FLOAT32);
      out.u64(kv.value.length);
      kv.value.forEach((v) => out.f32(v));
      return;
    case 'i32[]':
      out.u32(ValueType.ARRAY);
      out.u32(ValueType.INT32);
      out.u64(kv.value.length);
      kv.value.forEach((v) => out.i32(v));
      return;
  }
}

/** Builds the GGUF bytes in memory. */
export function buildTinyGguf(options: TinyGgufOptions = {}): Buffer {
  const nEmbd = options.embeddingLength ?? 64;
  const nLayer = options.blockCount ?? 2;
  const nHead = options.headCount ?? 4;
  const nFf = options.feedForwardLength ?? 128;
  const random = seededRandom(options.seed ?? 1234);
  const vocab = tinyVocab();
  const nVocab = vocab.tokens.length;

  const kvs: [string, KvValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'tiny-random-llama' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['llama.context_length', { type: 'u32', value: options.contextLength ?? 2048 }],
    ['llama.embedding_length', { type: 'u32', value: nEmbd }],
    ['llama.block_count', { type: 'u32', value: nLayer }],
    ['llama.feed_forward_length', { type: 'u32', value: nFf }],
    ['llama.attention.head_count', { type: 'u32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nHead }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.rope.dimension_count', { type: 'u32', value: nEmbd / nHead }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: TINY_TOKENS.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: vocab.imEnd }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: TINY_TOKENS.unk }],
    ['tokenizer.chat_template', { type: 'string', value: CHATML_TEMPLATE }],
  ].filter(([key]) => !(options.omitKeys ?? []).includes(key as string)) as [string, KvValue][];

  // ggml dims: ne0 first (the row length).
  const tensors: { name: string; dims: number[]; fill: 'ones' | 'random' }[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], fill: 'random' },
    { name: 'output_norm.weight', dims: [nEmbd], fill: 'ones' },
    // A separate output matrix: with tied embeddings a random model only repeats its input.
    { name: 'output.weight', dims: [nEmbd, nVocab], fill: 'random' },
  ];
  for (let layer = 0; layer < nLayer; layer++) {
    const p = `blk.${layer}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], fill: 'ones' },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], fill: 'random' },
      { name: `${p}attn_k.weight`, dims: [nEmbd, nEmbd], fill: 'random' },
      { name: `${p}attn_v.weight`, dims: [nEmbd, nEmbd], fill: 'random' },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], fill: 'random' },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], fill: 'ones' },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], fill: 'random' },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], fill: 'random' },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], fill: 'random' },
    );
  }

  const out = new ByteWriter();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(tensors.length);
  out.u64(kvs.length);
  for (const [key, value] of kvs) {
    writeKv(out, key, value);
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const tensor of tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    tensor.dims.forEach((d) => out.u64(d));
    out.u32(0); // GGML_TYPE_F32
    out.u64(offset);
    const bytes = tensor.dims.reduce((a, b) => a * b, 1) * 4;
    sizes.push(bytes);
    offset += Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
  }
  out.pad(ALIGNMENT);
  for (const [i, tensor] of tensors.entries()) {
    const count = sizes[i] / 4;
    const data = Buffer.alloc(Math.ceil(sizes[i] / ALIGNMENT) * ALIGNMENT);
    const scale = tensor.fill === 'random' ? 2 / Math.sqrt(tensor.dims[0]) : 0;
    for (let j = 0; j < count; j++) {
      data.writeFloatLE(tensor.fill === 'ones' ? 1 : (random() * 2 - 1) * scale * 1.7, j * 4);
    }
    out.push(data);
  }
  return out.toBuffer();
}

/** Writes a tiny model into a new temp folder; returns its path. */
export function writeTinyGguf(options: TinyGgufOptions = {}, dir?: string): string {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'tiny-gguf-'));
  const file = join(folder, `tiny-${options.seed ?? 1234}${options.omitKeys?.length ? '-broken' : ''}.gguf`);
  writeFileSync(file, buildTinyGguf(options));
  return file;
}
