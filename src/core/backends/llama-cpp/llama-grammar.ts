import type { LlamaGrammar } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { ApiError } from '../../errors';
import type { ModelRequest } from '../../types';
import { toGrammarSchema, unsupportedSchemaParts } from './grammar-schema';
import type { LlamaRuntime } from './llama-runtime';

const GRAMMAR_CACHE_SIZE = 64;

/** The grammar that enforces `response_format`, built once per distinct schema. */
export async function grammarFor(runtime: LlamaRuntime, request: ModelRequest): Promise<LlamaGrammar | undefined> {
  const format = request.responseFormat;
  if (!format || format.type === 'text') {
    return undefined;
  }
  const schema = format.type === 'json_schema' ? format.schema : undefined;
  if (schema) {
    const problems = unsupportedSchemaParts(schema);
    if (problems.length > 0) {
      throw ApiError.invalidRequest(
        `The embedded model cannot enforce these parts of the JSON schema: ${problems.slice(0, 10).join(', ')}. ` +
          'Supported: type, properties, required, additionalProperties, items, prefixItems, enum, const, ' +
          'oneOf/anyOf, $ref/$defs, min/maxItems, min/maxLength, min/maxProperties, format.',
        'response_format',
      );
    }
  }
  const key = schema ? JSON.stringify(schema) : 'json_object';
  const grammar = cachedGrammar(runtime, key, schema);
  try {
    return await grammar;
  } catch (error) {
    throw ApiError.invalidRequest(
      `The JSON schema in response_format cannot be turned into a grammar: ${(error as Error).message}`,
      'response_format',
    );
  }
}

function cachedGrammar(
  runtime: LlamaRuntime,
  key: string,
  schema: Record<string, unknown> | undefined,
): Promise<LlamaGrammar> {
  let grammar = runtime.grammars.get(key);
  if (grammar) {
    // Most recently used last, so the oldest is evicted first.
    runtime.grammars.delete(key);
  } else {
    grammar = schema
      ? // The schema arrives untyped from the client; node-llama-cpp validates it while building the grammar.
        runtime.llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never)
      : runtime.llama.getGrammarFor('json');
    grammar.catch(() => runtime.grammars.delete(key));
    // Bounded: every client can send schemas of its own.
    if (runtime.grammars.size >= GRAMMAR_CACHE_SIZE) {
      runtime.grammars.delete(runtime.grammars.keys().next().value as string);
    }
  }
  runtime.grammars.set(key, grammar);
  return grammar;
}
