import { Module } from '@nestjs/common';
import { McpController } from './mcp.controller';
import { McpService } from './mcp.service';

/** The served agents as an MCP server at `/mcp` (README "The agent as an MCP server"). */
@Module({ controllers: [McpController], providers: [McpService] })
export class McpModule {}
