import { Body, Controller, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { keyOwner } from '../auth/key-owner';
import { abortOnClose } from '../common/http/abort-on-close';
import { sendJson } from '../common/http/send-json';
import { SseWriter } from '../common/sse/sse-writer.service';
import { requestContextOf } from '../request-context/request-context';
import { CreateResponseRequestDto, ListInputItemsQueryDto } from './dto/create-response-request.dto';
import { toResponseRequest } from './response-request.mapper';
import { responsesSse } from './responses-sse';
import {
  CreateResponseEndpoint,
  DeleteResponseEndpoint,
  ListInputItemsEndpoint,
  RetrieveResponseEndpoint,
} from './responses-endpoint.decorator';
import { ResponsesService } from './responses.service';

@Controller('v1/responses')
export class ResponsesController {
  constructor(
    private readonly responses: ResponsesService,
    private readonly sse: SseWriter,
  ) {}

  @CreateResponseEndpoint()
  async create(@Body() dto: CreateResponseRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const request = toResponseRequest(dto, this.responses.defaultModelId);
    const scope = requestContextOf(req);
    const owner = keyOwner(req);
    if (request.stream) {
      await this.sse.write(res, await this.responses.stream(request, owner, scope), responsesSse, scope?.id);
      return;
    }
    sendJson(res, 200, await this.responses.create(request, owner, abortOnClose(res), scope));
  }

  @RetrieveResponseEndpoint()
  async retrieve(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    sendJson(res, 200, await this.responses.retrieve(id, keyOwner(req)));
  }

  @DeleteResponseEndpoint()
  async delete(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    sendJson(res, 200, await this.responses.delete(id, keyOwner(req)));
  }

  @ListInputItemsEndpoint()
  async inputItems(
    @Param('id') id: string,
    @Query() query: ListInputItemsQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    sendJson(res, 200, await this.responses.inputItems(id, query, keyOwner(req)));
  }
}
