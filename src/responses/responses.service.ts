import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AgentService } from '../agent/agent.service';
import type { AgentResponse, AgentStreamEvent } from '../core/chat-agent';
import { ApiError } from '../core/errors';
import type { ChatMessage } from '../core/types';
import type {
  WireInputItemList,
  WireResponse,
  WireResponseDeleted,
  WireResponseStreamEvent,
  WireResponseStreamEventBody,
} from '../openai/responses.types';
import type { RequestContext } from '../request-context/request-context';
import type { ListInputItemsQueryDto } from './dto/create-response-request.dto';
import { toMessages, type InputItem } from './input-items';
import {
  outputItems,
  type ResponseHead,
  ResponseIds,
  responseIdOfItem,
  statusOf,
  toWireResponse,
  turnMessages,
} from './response-output.mapper';
import type { ConversationRun, ConversationTurn } from './conversation-turn';
import { messageRequest, type ResponseRequest } from './response-request.mapper';
import { RESPONSE_STORE, type ResponseStore, type StoredResponse } from './response-store';
import { ResponseStreamMapper } from './response-stream.mapper';

/** A request made ready to run: its ids, its conversation, and what will be stored of it. */
interface PreparedTurn {
  ids: ResponseIds;
  head: ResponseHead;
  inputItems: StoredResponse['inputItems'];
  /** The stored history and this input, without instructions: what the next turn replays. */
  history: ChatMessage[];
  /** What the agent gets: the instructions, then the history. */
  messages: ChatMessage[];
}

/** How a 404 names what it did not find, by the parameter that named it. */
const WHAT_IS_MISSING: Record<string, string> = {
  previous_response_id: 'Previous response',
  conversation_id: 'Conversation',
};

const ID_PREFIX: Record<string, 'msg' | 'fc' | 'ctc' | 'fco' | 'ctco'> = {
  message: 'msg',
  function_call: 'fc',
  custom_tool_call: 'ctc',
  function_call_output: 'fco',
  custom_tool_call_output: 'ctco',
};

/**
 * The Responses API on the one agent loop: the input (after the stored conversation it continues) becomes the
 * agent's messages, the agent's answer or events become a Response or its stream events, and the turn is stored.
 */
@Injectable()
export class ResponsesService {
  constructor(
    private readonly agents: AgentService,
    @Inject(RESPONSE_STORE) private readonly store: ResponseStore,
  ) {}

  get defaultModelId(): string {
    return this.agents.defaultModelId;
  }

  async create(
    request: ResponseRequest,
    owner?: string,
    signal?: AbortSignal,
    scope?: RequestContext,
  ): Promise<WireResponse> {
    const turn = await this.prepare(request, owner);
    const [answer] = await this.agents.run({
      model: request.model,
      messages: turn.messages,
      options: request.options,
      signal,
      scope,
    });
    const output = outputItems(answer, turn.ids, request.tools);
    const response = toWireResponse(turn.head, statusOf(answer.finishReason), output, answer.usage);
    await this.keep(request, turn, response, answer, owner);
    return response;
  }

  /**
   * The response as stream events. Everything that can be refused (unknown model or previous response) is refused
   * here, as a plain HTTP error; so is a backend failing before its first event. Later failures end the stream with
   * `response.failed`; unsubscribing (the client left) aborts the agent.
   */
  async stream(
    request: ResponseRequest,
    owner?: string,
    scope?: RequestContext,
  ): Promise<Observable<WireResponseStreamEvent>> {
    const turn = await this.prepare(request, owner);
    const events$ = this.agents.stream({
      model: request.model,
      messages: turn.messages,
      options: request.options,
      scope,
    });
    return new Observable<WireResponseStreamEvent>((subscriber) => {
      const mapper = new ResponseStreamMapper(turn.head, turn.ids, request.tools);
      let sequence = 0;
      let started = false;
      const emit = (events: WireResponseStreamEventBody[]) => {
        for (const event of events) {
          subscriber.next({ ...event, sequence_number: sequence++ });
        }
      };
      const start = () => {
        if (!started) {
          started = true;
          emit(mapper.start());
        }
      };
      // The agent service already turned a failure into the error the client should see (a timeout's 504, ...).
      const fail = (error: unknown) => {
        emit([mapper.failed(error)]);
        subscriber.complete();
      };
      const subscription = events$.subscribe({
        next: ({ event }) => {
          start();
          emit(mapper.accept(event));
        },
        error: (error: unknown) => (started ? fail(error) : subscriber.error(error)),
        complete: () => {
          start();
          const { events, response } = mapper.finish();
          emit(events);
          const final = mapper.final();
          // Stored before the client hears `completed`: its next request may continue this one at once.
          this.keep(request, turn, final.response, response, owner).then(() => {
            emit([final]);
            subscriber.complete();
          }, fail);
        },
      });
      return () => subscription.unsubscribe();
    });
  }

  /**
   * A turn of a conversation for another protocol: the stored conversation is replayed (its owner checked; unknown
   * or another key's is a 404 naming `conversation_id`), and the turn is stored as a response like any other, so
   * the conversation goes on through `previous_response_id` or `conversation_id` alike.
   */
  async converse(turn: ConversationTurn): Promise<ConversationRun> {
    const request = messageRequest(turn.model, turn.message, turn.conversationId);
    const prepared = await this.prepare(request, turn.owner, 'conversation_id');
    const events$ = this.agents.stream({ model: turn.model, messages: prepared.messages, scope: turn.scope });
    const run$ = new Observable<AgentStreamEvent>((subscriber) => {
      // Only for what it collects: the answer and the agent's own tool turns, as the Responses API stores them.
      const mapper = new ResponseStreamMapper(prepared.head, prepared.ids, request.tools);
      const subscription = events$.subscribe({
        next: ({ event }) => {
          mapper.accept(event);
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          const { response } = mapper.finish();
          this.keep(request, prepared, mapper.final().response, response, turn.owner).then(
            () => subscriber.complete(),
            (error: unknown) => subscriber.error(error),
          );
        },
      });
      return () => subscription.unsubscribe();
    });
    return { conversationId: prepared.ids.id, events$: run$ };
  }

  /** Stores the turn (with `store: true`): the response, its input items, and the conversation up to it. */
  private keep(
    request: ResponseRequest,
    turn: PreparedTurn,
    response: WireResponse,
    answer: AgentResponse,
    owner: string | undefined,
  ): Promise<void> {
    if (!request.store) {
      return Promise.resolve();
    }
    const messages = [...turn.history, ...turnMessages(answer)];
    return this.store.save({ response, inputItems: turn.inputItems, messages, owner });
  }

  async retrieve(id: string, owner?: string): Promise<WireResponse> {
    return (await this.load(id, owner)).response;
  }

  async delete(id: string, owner?: string): Promise<WireResponseDeleted> {
    await this.load(id, owner);
    await this.store.delete(id);
    return { id, object: 'response', deleted: true };
  }

  async inputItems(id: string, query: ListInputItemsQueryDto, owner?: string): Promise<WireInputItemList> {
    const stored = await this.load(id, owner);
    let items = query.order === 'asc' ? [...stored.inputItems] : [...stored.inputItems].reverse();
    if (query.after) {
      const at = items.findIndex((item) => item.id === query.after);
      items = at >= 0 ? items.slice(at + 1) : [];
    }
    const limit = query.limit ?? 20;
    const data = items.slice(0, limit);
    return {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: items.length > limit,
    };
  }

  private async prepare(
    request: ResponseRequest,
    owner: string | undefined,
    param = 'previous_response_id',
  ): Promise<PreparedTurn> {
    // An unknown model is a 404 before anything else is looked up.
    this.agents.agent(request.model);
    const previous = request.previousResponseId ? await this.load(request.previousResponseId, owner, param) : undefined;
    const items = await this.resolveReferences(request.items, owner, previous);
    const ids = new ResponseIds();
    const inputItems = items.map((item) => ({ ...item, id: item.id ?? ids.item(ID_PREFIX[item.type] ?? 'msg') }));
    const history = [...(previous?.messages ?? []), ...toMessages(items)];
    return {
      ids,
      head: { id: ids.id, createdAt: Math.floor(Date.now() / 1000), model: request.model, echo: request.echo },
      inputItems,
      history,
      messages: [...toMessages(request.instructions), ...history],
    };
  }

  /**
   * `item_reference`s replaced by the items they name: an item of a stored response (this server's item ids name
   * their response), or an item of the response being continued.
   */
  private async resolveReferences(
    items: InputItem[],
    owner: string | undefined,
    previous: StoredResponse | undefined,
  ): Promise<InputItem[]> {
    const resolved: InputItem[] = [];
    for (const item of items) {
      if (item.type !== 'item_reference') {
        resolved.push(item);
        continue;
      }
      const id = item.id as string;
      const responseId = responseIdOfItem(id);
      const holder = responseId ? await this.find(responseId, owner) : previous;
      const found =
        holder && [...holder.inputItems, ...holder.response.output].find((candidate) => candidate.id === id);
      if (!found) {
        throw new ApiError(404, `Item with id '${id}' not found.`, { type: 'invalid_request_error', param: 'input' });
      }
      resolved.push(found as InputItem);
    }
    return resolved;
  }

  private async find(id: string, owner: string | undefined): Promise<StoredResponse | undefined> {
    const stored = await this.store.get(id);
    // Another key's response is not there for this caller: the same 404, so ids cannot be probed.
    return stored && stored.owner === owner ? stored : undefined;
  }

  private async load(id: string, owner: string | undefined, param: string | null = null): Promise<StoredResponse> {
    const stored = await this.find(id, owner);
    if (!stored) {
      const what = WHAT_IS_MISSING[param ?? ''] ?? 'Response';
      throw new ApiError(404, `${what} with id '${id}' not found.`, { type: 'invalid_request_error', param });
    }
    return stored;
  }
}
