import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { errorOutcome } from '../function-tool';
import type { ToolOutcome } from '../tool';

type ContentBlock = CallToolResult['content'][number];

/**
 * A tool result as the model reads it: the text blocks, one per line; other blocks as a short note (a tool message
 * is text, so an image or a binary resource cannot travel); the structured content as JSON when no text block says
 * anything (servers that send both mean the text for the model, often the same JSON, as the spec asks).
 * `isError` results use the same error form as FunctionTool.
 */
export function toToolOutcome(result: CallToolResult): ToolOutcome {
  const blocks = result.content ?? [];
  const texts = blocks.map(describeBlock);
  const structured = result.structuredContent;
  if (structured !== undefined && !blocks.some((block) => block.type === 'text' && block.text.trim() !== '')) {
    texts.push(JSON.stringify(structured));
  }
  const content = texts.join('\n');
  return result.isError ? errorOutcome(content || 'The tool reported an error.') : { content, isError: false };
}

function describeBlock(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${base64Bytes(block.data)} bytes]`;
    case 'resource': {
      const resource = block.resource;
      return 'text' in resource
        ? resource.text
        : `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}, ${base64Bytes(resource.blob)} bytes]`;
    }
    case 'resource_link':
      return `[resource link ${block.name}: ${block.uri}]`;
    default:
      return JSON.stringify(block);
  }
}

function base64Bytes(data: string): number {
  return Buffer.byteLength(data, 'base64');
}
