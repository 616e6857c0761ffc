import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { z } from 'zod';
import type { ToolDefinition } from '../types';
import type { AgentTool, ToolContext, ToolOutcome } from './tool';
import { loadZod } from './zod.loader';

/** A JSON Schema object describing the arguments object. */
export type JsonSchema = Record<string, unknown>;

/** The arguments `execute` receives: the zod schema's output type, or a plain object for a JSON Schema. */
export type ToolArguments<TSchema> = TSchema extends z.ZodType ? z.output<TSchema> : Record<string, unknown>;

export interface FunctionToolOptions<TSchema extends z.ZodType | JsonSchema = JsonSchema> {
  /** The name the model calls; defaults to the function's own name. Letters, digits, `_` and `-`, at most 64. */
  name?: string;
  /** What the tool does and when to use it: the model reads this. */
  description?: string;
  /** The arguments, as a zod schema (converted with `z.toJSONSchema`) or a plain JSON Schema object. */
  parameters?: TSchema;
  /** Ask backends that support it to follow the schema exactly. */
  strict?: boolean;
  /** The function itself, sync or async. A string result is sent as is, anything else as JSON. */
  execute: (args: ToolArguments<TSchema>, context: ToolContext) => unknown;
  /** Milliseconds before the call is abandoned and the model told so; default 60 000. `0` means no limit. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const EMPTY_OBJECT_SCHEMA: JsonSchema = { type: 'object', properties: {} };

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as unknown as (
  ajv: Ajv,
) => Ajv;
let sharedAjv: Ajv | undefined;
function ajv(): Ajv {
  sharedAjv ??= addFormats(new Ajv({ allErrors: true, strict: false }));
  return sharedAjv;
}

/**
 * A TypeScript function the agent can call as a tool. Arguments are parsed and validated against the schema before
 * the function runs; invalid arguments, a thrown error or a timeout become an error result the model reads, never
 * a failed request.
 *
 * ```ts
 * const weather = new FunctionTool({
 *   name: 'get_weather',
 *   description: 'Current weather in a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, temperature: 21 }),
 * });
 * ```
 */
export class FunctionTool<TSchema extends z.ZodType | JsonSchema = JsonSchema> implements AgentTool {
  readonly definition: ToolDefinition;
  readonly timeoutMs: number;
  private readonly validate: (args: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; error: string }>;

  constructor(private readonly options: FunctionToolOptions<TSchema>) {
    const name = options.name ?? options.execute.name;
    if (!NAME_PATTERN.test(name)) {
      throw new TypeError(`Invalid tool name '${name}': use 1-64 letters, digits, underscores or dashes.`);
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const schema = options.parameters;
    let parameters: JsonSchema;
    if (isZodSchema(schema)) {
      const z = loadZod();
      // The model writes the input side of the schema (defaults may be left out, transforms not yet applied).
      const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
      parameters = json;
      this.validate = async (args) => {
        const parsed = await schema.safeParseAsync(args);
        return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: z.prettifyError(parsed.error) };
      };
    } else {
      parameters = schema ?? EMPTY_OBJECT_SCHEMA;
      const { $schema: _dialect, ...json } = parameters;
      // Compiled once, here: a broken schema fails when the tool is built, not when the model first calls it.
      const check: ValidateFunction = ajv().compile(json);
      this.validate = (args) =>
        Promise.resolve(
          check(args)
            ? { ok: true, value: args }
            : { ok: false, error: ajv().errorsText(check.errors, { dataVar: 'arguments' }) },
        );
    }
    this.definition = { name, description: options.description, parameters, strict: options.strict };
  }

  get name(): string {
    return this.definition.name;
  }

  async invoke(rawArguments: string, context: ToolContext): Promise<ToolOutcome> {
    let args: unknown;
    try {
      args = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
    } catch {
      return errorOutcome(`The arguments of '${this.name}' are not valid JSON: ${rawArguments}`);
    }
    const validated = await this.validate(args);
    if (!validated.ok) {
      return errorOutcome(`Invalid arguments for '${this.name}': ${validated.error}`);
    }
    if (context.signal.aborted) {
      return errorOutcome(`'${this.name}' was aborted.`);
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(context.signal.reason);
    context.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<ToolOutcome>((resolve) => {
      const resolveStopped = () =>
        resolve(
          context.signal.aborted
            ? errorOutcome(`'${this.name}' was aborted.`)
            : errorOutcome(`'${this.name}' timed out after ${this.timeoutMs} ms.`),
        );
      controller.signal.addEventListener('abort', resolveStopped, { once: true });
      if (this.timeoutMs > 0) {
        timer = setTimeout(() => controller.abort(new Error('timeout')), this.timeoutMs);
      }
    });
    try {
      const run = (async () =>
        toContent(
          await this.options.execute(validated.value as ToolArguments<TSchema>, {
            ...context,
            signal: controller.signal,
          }),
        ))();
      // A tool that ignores its signal is abandoned at the deadline: the model gets an answer in time anyway.
      return await Promise.race([run.then((content): ToolOutcome => ({ content, isError: false })), stopped]);
    } catch (error) {
      return errorOutcome(`'${this.name}' failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
    }
  }
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

function toContent(result: unknown): string {
  if (typeof result === 'string') {
    return result;
  }
  return JSON.stringify(result ?? null);
}

/** Errors go to the model as JSON it can recognise as a failure. */
export function errorOutcome(message: string): ToolOutcome {
  return { content: JSON.stringify({ error: message }), isError: true };
}
