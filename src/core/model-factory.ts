import { LlamaCppModel } from './backends/llama-cpp/llama-cpp.model';
import { OpenAICompatibleModel } from './backends/openai-compatible.model';
import { ScriptedModel } from './backends/scripted.model';
import type { ModelBackend } from './model-backend';

export type ModelCreator = (name: string) => ModelBackend;

/**
 * Resolves a model spec string to a backend, as CAMEL's ModelFactory does: `"scripted"`, `"openai:<model>"`, or a
 * bare model name served by the OpenAI-compatible upstream configured through `OPENAI_BASE_URL`/`OPENAI_API_KEY`.
 * Other backends register a prefix of their own (`ModelFactory.register('llama', ...)`).
 */
export class ModelFactory {
  private static readonly creators = new Map<string, ModelCreator>([
    ['scripted', (name) => new ScriptedModel(name ? { replies: [name] } : {})],
    ['openai', (name) => upstreamFromEnvironment(name)],
    // `llama:/path/model.gguf` or `llama:https://...`; node-llama-cpp itself is only imported when the model loads.
    ['llama', (name) => new LlamaCppModel({ model: name })],
  ]);

  static register(prefix: string, creator: ModelCreator): void {
    ModelFactory.creators.set(prefix, creator);
  }

  static create(spec: string): ModelBackend {
    const colon = spec.indexOf(':');
    const prefix = colon > 0 ? spec.slice(0, colon) : spec;
    const creator = ModelFactory.creators.get(prefix);
    if (creator) {
      return creator(colon > 0 ? spec.slice(colon + 1) : '');
    }
    return upstreamFromEnvironment(spec);
  }
}

/** A spec string names only a model: where and how to reach it comes from the usual OpenAI variables. */
function upstreamFromEnvironment(model: string): OpenAICompatibleModel {
  return new OpenAICompatibleModel({
    model,
    baseURL: process.env.OPENAI_BASE_URL || undefined,
    apiKey: process.env.OPENAI_API_KEY || undefined,
  });
}
