import type { ModelStreamEvent, ToolCall } from '../types';
import { newToolCallId } from '../random-id';

type ToolCallEvent = Extract<ModelStreamEvent, { type: 'tool-call' }>;

interface TrackedCall {
  call: ToolCall;
  state: 'pending' | 'own' | 'client' | 'dropped';
  clientIndex?: number;
}

export interface ToolCallDeltaFilterOptions {
  /** Whether a call of this name is one of the agent's own tools (kept from the client). */
  isOwn: (name: string) => boolean;
  /** At most this many calls per turn are kept (1 with `parallel_tool_calls: false`, 0 with `tool_choice: none`). */
  maxCalls: number;
  /** Give every call a fresh id (the agent has tools of its own, so ids key stored turns). */
  freshIds: boolean;
}

/**
 * Decides, delta by delta, which of one model turn's streamed tool calls reach the client. The client's calls are
 * passed on as they arrive, renumbered so their `index` is dense and distinct from the client's point of view; the
 * agent's own calls are only collected. A call is classified when its name arrives (the first delta, on every
 * upstream we know); until then its deltas are held back.
 */
export class ToolCallDeltaFilter {
  private readonly tracked = new Map<number, TrackedCall>();
  private kept = 0;
  private nextClientIndex = 0;

  constructor(private readonly options: ToolCallDeltaFilterOptions) {}

  accept(event: ToolCallEvent): ToolCallEvent[] {
    let tracked = this.tracked.get(event.index);
    if (!tracked) {
      const keep = this.kept < this.options.maxCalls;
      this.kept += keep ? 1 : 0;
      tracked = { call: { id: '', name: '', arguments: '' }, state: keep ? 'pending' : 'dropped' };
      this.tracked.set(event.index, tracked);
    }
    const { call } = tracked;
    if (!call.id && (event.id || this.options.freshIds)) {
      call.id = this.options.freshIds ? newToolCallId() : (event.id ?? '');
    }
    call.name ||= event.name ?? '';
    const fragment = event.arguments ?? '';
    call.arguments += fragment;
    switch (tracked.state) {
      case 'pending':
        return call.name ? this.classify(tracked) : [];
      case 'client':
        return fragment ? [{ type: 'tool-call', index: tracked.clientIndex!, arguments: fragment }] : [];
      case 'own':
      case 'dropped':
        return [];
    }
  }

  /** At the end of the turn: calls whose name never came are the client's (we cannot run a nameless call). */
  flush(): ToolCallEvent[] {
    return [...this.tracked.values()].filter((t) => t.state === 'pending').flatMap((t) => this.classify(t));
  }

  /** The kept calls of the turn, in the model's order, with the ids the client saw. */
  get toolCalls(): ToolCall[] {
    return [...this.tracked.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, t]) => t.state !== 'dropped')
      .map(([, t]) => ({ ...t.call, id: t.call.id || newToolCallId() }));
  }

  private classify(tracked: TrackedCall): ToolCallEvent[] {
    if (tracked.call.name && this.options.isOwn(tracked.call.name)) {
      tracked.state = 'own';
      return [];
    }
    tracked.state = 'client';
    tracked.clientIndex = this.nextClientIndex++;
    tracked.call.id ||= newToolCallId();
    const { id, name, arguments: args } = tracked.call;
    // The first delta of a call carries its id and name; arguments held back so far go with it.
    return [{ type: 'tool-call', index: tracked.clientIndex, id, name, arguments: args }];
  }
}
