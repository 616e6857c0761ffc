import { ChatAgent } from '../../chat-agent';
import { ModelFactory } from '../../model-factory';
import { LlamaCppModel } from './llama-cpp.model';
import { loadNodeLlamaCpp } from './node-llama-cpp.loader';

jest.mock('./node-llama-cpp.loader', () => ({ loadNodeLlamaCpp: jest.fn() }));

describe('loading node-llama-cpp lazily', () => {
  it('is not loaded by the core, an OpenAI-backed agent or a llama backend that has not been used', () => {
    new ChatAgent({ model: 'openai:gpt-4o-mini' });
    const backend = ModelFactory.create('llama:/models/any.gguf');
    expect(backend).toBeInstanceOf(LlamaCppModel);
    expect(backend.modelName).toBe('any.gguf');
    expect(loadNodeLlamaCpp).not.toHaveBeenCalled();
  });
});
