import { randomId } from '../random-id';

/**
 * A fresh, unguessable tool call id. The agent gives its own ids to the calls of a tool turn because those ids key
 * the stored turns (`ToolTurnStore`): a backend's predictable ids (`call_0`) would let one conversation pick up
 * another's stored tool results.
 */
export function newToolCallId(): string {
  return `call_${randomId(12)}`;
}
