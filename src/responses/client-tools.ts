import { ApiError } from '../core/errors';
import type { ToolChoice, ToolDefinition } from '../core/types';
import type { WireToolChoice } from '../openai/responses.types';
import { isJsonObject } from '../core/json-object';

type Json = Record<string, unknown>;

/**
 * A custom tool takes free-form text, not JSON. The agent and its backends only know function tools, so a custom
 * tool goes to the model as a function with one string parameter, `input`; its calls come back as
 * `custom_tool_call` items carrying that string.
 */
const CUSTOM_TOOL_PARAMETERS = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The free-form input of the tool.' } },
  required: ['input'],
  additionalProperties: false,
};

/** The arguments a custom tool's call carries inside the agent: `{"input": "..."}`. */
export function customArguments(input: string): string {
  return JSON.stringify({ input });
}

/** A custom tool's free-form input, back from the function arguments the model wrote. */
export function customInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Json).input === 'string') {
      return (parsed as Json).input as string;
    }
  } catch {
    // Not JSON: the model wrote the input itself.
  }
  return args;
}

/**
 * The tools a request gives the client's side: flat `function` tools, `custom` tools and the function and custom
 * tools inside `namespace` tools. Hosted tool types (web_search, file_search, code_interpreter, mcp, ...) are not run
 * by this server and are left out of what the model sees, never a 400: coding agents send them with every request.
 */
export class ClientTools {
  readonly definitions: ToolDefinition[] = [];
  /** The tools as echoed on the response (hosted ones left out, as the model never saw them). */
  readonly echo: Json[] = [];
  private readonly custom = new Set<string>();
  private readonly namespaces = new Map<string, string>();

  constructor(tools: Json[] | null | undefined) {
    for (const [index, tool] of (tools ?? []).entries()) {
      this.add(tool, `tools.${index}`);
    }
  }

  isCustom(name: string): boolean {
    return this.custom.has(name);
  }

  namespaceOf(name: string): string | undefined {
    return this.namespaces.get(name);
  }

  has(name: string): boolean {
    return this.definitions.some((tool) => tool.name === name);
  }

  /** `tool_choice` in the agent's terms, and the tools the model may see under it (`allowed_tools` narrows them). */
  choose(choice: unknown): { toolChoice?: ToolChoice; tools: ToolDefinition[]; echo: WireToolChoice } {
    if (choice === undefined || choice === null) {
      return { tools: this.definitions, echo: 'auto' };
    }
    if (choice === 'none' || choice === 'auto' || choice === 'required') {
      return { toolChoice: choice, tools: this.definitions, echo: choice };
    }
    if (!isJsonObject(choice) || typeof choice.type !== 'string') {
      throw ApiError.invalidRequest(
        'tool_choice must be "none", "auto", "required" or an object with a `type`.',
        'tool_choice',
      );
    }
    if (choice.type === 'function' || choice.type === 'custom') {
      const name = choice.name;
      if (typeof name !== 'string' || !this.has(name)) {
        throw ApiError.invalidRequest(
          `tool_choice names the tool '${String(name)}', which is not in 'tools'.`,
          'tool_choice',
        );
      }
      return { toolChoice: { name }, tools: this.definitions, echo: { type: choice.type, name } };
    }
    if (choice.type === 'allowed_tools') {
      return this.allowed(choice);
    }
    // A hosted tool (web_search, mcp, ...): not run here, so the model chooses among the client's tools.
    return { toolChoice: 'auto', tools: this.definitions, echo: 'auto' };
  }

  private allowed(choice: Json): { toolChoice?: ToolChoice; tools: ToolDefinition[]; echo: WireToolChoice } {
    const mode = choice.mode === 'required' ? 'required' : 'auto';
    if (!Array.isArray(choice.tools)) {
      throw ApiError.invalidRequest('tool_choice.tools must be an array of tools.', 'tool_choice.tools');
    }
    const names = new Set(
      (choice.tools as unknown[]).flatMap((tool) =>
        isJsonObject(tool) && typeof tool.name === 'string' ? [tool.name] : [],
      ),
    );
    const tools = this.definitions.filter((tool) => names.has(tool.name));
    return {
      toolChoice: tools.length > 0 ? mode : 'none',
      tools,
      echo: { type: 'allowed_tools', mode, tools: choice.tools as Json[] },
    };
  }

  private add(tool: Json, param: string, namespace?: string): void {
    if (tool.type === 'function' || tool.type === 'custom') {
      if (typeof tool.name !== 'string' || tool.name.length === 0) {
        throw ApiError.invalidRequest(`A ${tool.type} tool needs a name.`, `${param}.name`);
      }
      if (this.has(tool.name)) {
        throw ApiError.invalidRequest(`Two tools are named '${tool.name}'.`, `${param}.name`);
      }
      const definition = tool.type === 'function' ? functionTool(tool, param) : customTool(tool);
      this.definitions.push(definition);
      if (tool.type === 'custom') {
        this.custom.add(tool.name);
      }
      if (namespace) {
        this.namespaces.set(tool.name, namespace);
      } else {
        this.echo.push(tool.type === 'function' ? echoFunction(definition) : tool);
      }
      return;
    }
    if (tool.type === 'namespace') {
      if (!Array.isArray(tool.tools) || typeof tool.name !== 'string') {
        throw ApiError.invalidRequest('A namespace tool needs a name and a list of tools.', `${param}.tools`);
      }
      for (const [index, inner] of (tool.tools as unknown[]).entries()) {
        if (isJsonObject(inner)) {
          this.add(inner, `${param}.tools.${index}`, tool.name);
        }
      }
      this.echo.push({ ...tool, description: typeof tool.description === 'string' ? tool.description : '' });
    }
    // Anything else is a hosted tool: left out (see the class comment).
  }
}

function functionTool(tool: Json, param: string): ToolDefinition {
  if (tool.parameters !== undefined && tool.parameters !== null && !isJsonObject(tool.parameters)) {
    throw ApiError.invalidRequest('Function parameters must be a JSON Schema object.', `${param}.parameters`);
  }
  return {
    name: tool.name as string,
    description: typeof tool.description === 'string' ? tool.description : undefined,
    parameters: tool.parameters ?? undefined,
    strict: typeof tool.strict === 'boolean' ? tool.strict : undefined,
  };
}

function customTool(tool: Json): ToolDefinition {
  let description = typeof tool.description === 'string' ? tool.description : '';
  const format = isJsonObject(tool.format) ? tool.format : undefined;
  // A grammar the backend cannot enforce still tells the model what the input must look like.
  if (format?.type === 'grammar' && typeof format.definition === 'string') {
    const syntax = typeof format.syntax === 'string' ? `${format.syntax} ` : '';
    description += `${description ? '\n\n' : ''}The input must follow this ${syntax}grammar:\n${format.definition}`;
  }
  return { name: tool.name as string, description: description || undefined, parameters: CUSTOM_TOOL_PARAMETERS };
}

function echoFunction(definition: ToolDefinition): Json {
  return {
    type: 'function',
    name: definition.name,
    description: definition.description ?? null,
    parameters: definition.parameters ?? null,
    strict: definition.strict ?? null,
  };
}
