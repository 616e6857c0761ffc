import type { ServerCallContext, User } from '@a2a-js/sdk/server';
import { RequestContext } from '../request-context/request-context';

/** What one HTTP request hands the A2A SDK's handler, read back by the executor and the task store. */
export interface A2aCall {
  /** The served agent this request addressed (`/a2a/{agentId}`). */
  agentId: string;
  /** Who owns the tasks and contexts it creates: the API key's digest, or '' on an open server. */
  owner: string;
  /** The API key's digest (`keyOwner`): who owns the contexts' conversations in the Responses store. */
  keyOwner?: string;
  /** The HTTP request's scope: timeout, shutdown, usage for limits and metrics. */
  scope?: RequestContext;
  /** Aborted when the client leaves before its answer (a blocking send, a stream). */
  disconnect?: AbortSignal;
  /** REQUEST_TIMEOUT_MS, for a run that outlives its request. */
  timeoutMs?: number;
}

/**
 * The scope of a run that goes on after its response was sent (`returnImmediately`): its own timeout, its usage
 * still counted against the caller's token limit. The request's own scope is over by then: its logs and metrics
 * were written when the response closed.
 */
export function detachedScope(call: A2aCall): RequestContext | undefined {
  if (!call.scope) {
    return undefined;
  }
  const scope = new RequestContext(call.scope.id, call.timeoutMs);
  scope.principal = call.scope.principal;
  const parent = call.scope;
  scope.onUsage((usage) => parent.addUsage(usage));
  return scope;
}

const CALL_KEY = 'chat-agent-server:a2a-call';

export function attachCall(context: ServerCallContext, call: A2aCall): void {
  context.state.set(CALL_KEY, call);
}

export function callOf(context: ServerCallContext): A2aCall {
  const call = context.state.get(CALL_KEY) as A2aCall | undefined;
  if (!call) {
    throw new Error('A2A call context is missing: requests must come through A2aService.');
  }
  return call;
}

/**
 * The key of a task or context: scoped to the agent and the caller, so one API key never reads another's tasks and
 * one agent's ids mean nothing to another.
 */
export function recordKey(call: A2aCall, id: string): string {
  return [call.agentId, call.owner, id].map(encodeURIComponent).join(':');
}

/** The SDK's idea of the caller (it scopes its in-process locks and event buses by it). */
export class A2aCaller implements User {
  constructor(private readonly owner: string) {}

  get isAuthenticated(): boolean {
    return this.owner !== '';
  }

  get userName(): string {
    return this.owner;
  }
}
