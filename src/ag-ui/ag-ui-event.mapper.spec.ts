import { EventType } from '@ag-ui/core';
import { EventSchemas } from '@ag-ui/core/schemas';
import type { AgentStreamEvent } from '../core/chat-agent';
import { toErrorResponse } from '../common/errors/error-response';
import { ApiError } from '../core/errors';
import { AgUiEventMapper } from './ag-ui-event.mapper';

const usage = { promptTokens: 10, completionTokens: 4, totalTokens: 14 };

function mapAll(events: AgentStreamEvent[]) {
  const mapper = new AgUiEventMapper('thread', 'run');
  const out = [mapper.runStarted(), ...events.flatMap((e) => mapper.map(e)), ...mapper.runFinished()];
  // Every event is one AG-UI accepts.
  return out.map((event) => EventSchemas.parse(event) as Record<string, unknown>);
}

describe('AgUiEventMapper', () => {
  it('should frame text as one message and finish with the usage', () => {
    const out = mapAll([
      { type: 'text', text: 'Hel' },
      { type: 'text', text: 'lo' },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.RUN_FINISHED,
    ]);
    expect(out[1]).toMatchObject({ role: 'assistant', messageId: out[2].messageId });
    expect(out.at(-1)).toEqual({
      type: EventType.RUN_FINISHED,
      threadId: 'thread',
      runId: 'run',
      outcome: { type: 'success' },
      usage: [{ inputTokens: 10, outputTokens: 4, totalTokens: 14 }],
    });
  });

  it("should show the agent's own calls whole, their results after the run, and start a new message after", () => {
    const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const out = mapAll([
      { type: 'text', text: 'Looking.' },
      { type: 'tool-run', phase: 'start', calls: [call] },
      { type: 'tool-run', phase: 'end', results: [{ call, outcome: { content: 'sunny', isError: false } }] },
      { type: 'text', text: 'Sunny.' },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.RUN_FINISHED,
    ]);
    const firstMessage = out[1].messageId;
    expect(out[4]).toMatchObject({ toolCallId: 'call_1', toolCallName: 'get_weather', parentMessageId: firstMessage });
    expect(out[7]).toMatchObject({ toolCallId: 'call_1', content: 'sunny', role: 'tool' });
    expect(out[8].messageId).not.toBe(firstMessage);
  });

  it("should stream the front end's calls and list them as pending in RUN_FINISHED", () => {
    const out = mapAll([
      { type: 'tool-call', index: 0, id: 'call_a', name: 'get_local_time', arguments: '' },
      { type: 'tool-call', index: 0, arguments: '{}' },
      { type: 'finish', finishReason: 'tool_calls', usage },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.RUN_FINISHED,
    ]);
    expect(out.at(-1)?.outcome).toEqual({ type: 'success', pendingToolCallIds: ['call_a'] });
  });

  it('should turn a failure into RUN_ERROR with the error code', () => {
    const mapper = new AgUiEventMapper('thread', 'run');
    const error = new ApiError(504, 'The request timed out.', { code: 'timeout' });
    expect(EventSchemas.parse(mapper.runError(toErrorResponse(error)))).toEqual({
      type: EventType.RUN_ERROR,
      message: 'The request timed out.',
      code: 'timeout',
    });
  });
});
