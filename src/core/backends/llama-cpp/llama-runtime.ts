import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { NodeLlamaCpp } from './node-llama-cpp.loader';
import type { SlotQueue } from './slot-queue';

/** One loaded model and what every generation on it shares. */
export interface LlamaRuntime {
  lib: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  slots: SlotQueue<LlamaContextSequence>;
  grammars: Map<string, Promise<LlamaGrammar>>;
}
