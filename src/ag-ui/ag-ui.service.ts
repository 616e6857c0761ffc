import type { BaseEvent, RunAgentInput } from '@ag-ui/core';
import { Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import { AgentService } from '../agent/agent.service';
import { toErrorResponse } from '../common/errors/error-response';
import type { RequestContext } from '../request-context/request-context';
import { AgUiEventMapper } from './ag-ui-event.mapper';
import { toAgUiRunInput } from './ag-ui-request.mapper';

/** AG-UI on the one agent loop: a RunAgentInput becomes an agent call, the agent's events become AG-UI events. */
@Injectable()
export class AgUiService {
  private readonly logger = new Logger(AgUiService.name);

  constructor(private readonly agents: AgentService) {}

  /**
   * The run's events. An unknown agent throws here, and a failure before the agent's first event is still an
   * error of the Observable (a plain HTTP error, RUN_STARTED not yet sent); after it, RUN_ERROR ends the run.
   * Unsubscribing (the client left) aborts the run and the backend request behind it.
   */
  run(agentId: string, input: RunAgentInput, scope?: RequestContext): Observable<BaseEvent> {
    const run = toAgUiRunInput(input);
    const events$ = this.agents.stream({ model: agentId, messages: run.messages, options: run.options, scope });
    return new Observable<BaseEvent>((subscriber) => {
      const mapper = new AgUiEventMapper(run.threadId, run.runId);
      let started = false;
      const start = () => {
        if (!started) {
          started = true;
          subscriber.next(mapper.runStarted());
        }
      };
      return events$.subscribe({
        next: ({ event }) => {
          start();
          for (const out of mapper.map(event)) {
            subscriber.next(out);
          }
        },
        error: (error: unknown) => {
          if (!started) {
            subscriber.error(error);
            return;
          }
          const response = toErrorResponse(error);
          if (response.unexpected) {
            this.logger.error({ err: error, requestId: scope?.id }, 'AG-UI run failed');
          }
          subscriber.next(mapper.runError(response));
          subscriber.complete();
        },
        complete: () => {
          start();
          for (const out of mapper.runFinished()) {
            subscriber.next(out);
          }
          subscriber.complete();
        },
      });
    });
  }
}
