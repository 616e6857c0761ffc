import { Module } from '@nestjs/common';
import { ResponsesModule } from '../responses/responses.module';
import { McpController } from './mcp.controller';
import { McpService } from './mcp.service';

/**
 * The served agents as an MCP server at `/mcp` (README "The agent as an MCP server"). Its conversations are the
 * Responses API's (one store, one owner rule), through `ResponsesService.converse`.
 */
@Module({ imports: [ResponsesModule], controllers: [McpController], providers: [McpService] })
export class McpModule {}
