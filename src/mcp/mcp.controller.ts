import { Controller, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { sendJson } from '../common/http/send-json';
import { ApiError } from '../core/errors';
import { McpEndpoint, McpMethodNotAllowed } from './mcp-endpoint.decorator';
import { McpService } from './mcp.service';

@Controller('mcp')
export class McpController {
  constructor(private readonly mcp: McpService) {}

  @McpEndpoint()
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.mcp.handle(req, res);
  }

  @McpMethodNotAllowed('GET')
  get(@Res() res: Response): void {
    methodNotAllowed(res);
  }

  @McpMethodNotAllowed('DELETE')
  delete(@Res() res: Response): void {
    methodNotAllowed(res);
  }
}

function methodNotAllowed(res: Response): void {
  const error = new ApiError(405, 'This MCP server is stateless: POST JSON-RPC messages to /mcp.', {
    type: 'invalid_request_error',
    code: 'method_not_allowed',
  });
  res.setHeader('allow', 'POST');
  sendJson(res, 405, error.toBody());
}
