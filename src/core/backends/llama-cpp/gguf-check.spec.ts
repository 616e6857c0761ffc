import { readFileSync, writeFileSync } from 'node:fs';
import { writeTinyGguf } from '../../../../test/utils/tiny-gguf';
import { checkGgufFile, InvalidModelFileError } from './gguf-check';

describe('checkGgufFile', () => {
  it('accepts a complete model', async () => {
    await expect(checkGgufFile(writeTinyGguf({ seed: 31 }))).resolves.toBeUndefined();
  });

  it.each([
    // llama.cpp aborts the whole process without these two; the others fail late with unclear messages.
    'llama.feed_forward_length',
    'llama.attention.head_count',
    'llama.context_length',
    'llama.embedding_length',
    'llama.block_count',
    'tokenizer.ggml.model',
    'tokenizer.ggml.tokens',
  ])('refuses a model without %s, naming it', async (key) => {
    const file = writeTinyGguf({ seed: 32, omitKeys: [key] });
    const error = await checkGgufFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidModelFileError);
    expect((error as Error).message).toContain(key);
  });

  it('refuses a model without an architecture', async () => {
    const file = writeTinyGguf({ seed: 33, omitKeys: ['general.architecture'] });
    await expect(checkGgufFile(file)).rejects.toThrow(/general\.architecture/);
  });

  it('refuses a file cut anywhere in the tensor data, even by one byte', async () => {
    const file = writeTinyGguf({ seed: 34 });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    await expect(checkGgufFile(file)).rejects.toThrow(/truncated/);
  });

  it('refuses a file cut inside the header', async () => {
    const file = writeTinyGguf({ seed: 35 });
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    await expect(checkGgufFile(file)).rejects.toThrow(InvalidModelFileError);
  });

  it('refuses a missing file and a non-GGUF file with what to do', async () => {
    await expect(checkGgufFile('/nonexistent/model.gguf')).rejects.toThrow(/does not exist.*LLAMA_MODEL=/);
    const file = `${writeTinyGguf({ seed: 36 })}.bin`;
    writeFileSync(file, Buffer.from('GGML but not really, just text'));
    await expect(checkGgufFile(file)).rejects.toThrow(/GGUF magic/);
  });
});
