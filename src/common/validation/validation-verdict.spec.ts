import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, validate, ValidateIf, type ValidatorOptions } from 'class-validator';
import { ChatCompletionRequestDto } from '../../chat-completions/dto';
import { validationOptions } from './validation-options';
import { ValidationPipe } from '@nestjs/common';
import { FastValidationPipe } from './fast-validation.pipe';
import { ValidationVerdict } from './validation-verdict';

const options: ValidatorOptions = {
  whitelist: validationOptions.whitelist,
  forbidNonWhitelisted: validationOptions.forbidNonWhitelisted,
  stopAtFirstError: validationOptions.stopAtFirstError,
};

const tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather by city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
};

/** Request bodies as clients send them, every field of the DTOs used at least once. */
const VALID: object[] = [
  { messages: [{ role: 'user', content: 'hi' }] },
  {
    model: 'camel-model',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      { role: 'assistant', content: 'It is sunny.', refusal: null, name: 'bot' },
    ],
    stream: true,
    stream_options: { include_usage: true, include_obfuscation: false },
    temperature: 0.7,
    top_p: 1,
    max_tokens: 256,
    max_completion_tokens: 256,
    stop: ['\n\n', 'END'],
    n: 2,
    seed: 42,
    presence_penalty: -1.5,
    frequency_penalty: 1,
    logit_bias: { '50256': -100 },
    response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
    tools: [tool],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    user: 'u-1',
    metadata: { team: 'a' },
    some_future_field: { anything: [1, 2] },
    logprobs: true,
    top_logprobs: 3,
    service_tier: 'auto',
    reasoning_effort: 'low',
    verbosity: 'high',
    store: false,
    modalities: ['text'],
    prediction: { type: 'content', content: [{ type: 'text', text: 'x' }] },
    audio: { voice: { id: 'v' }, format: 'wav' },
    web_search_options: { user_location: { type: 'approximate', approximate: { city: 'Paris' } } },
  },
  {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } },
          { type: 'file', file: { file_id: 'f' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'refusal', refusal: 'no' },
          { type: 'text', text: 'ok' },
        ],
      },
      { role: 'function', name: 'f', content: null },
    ],
    tools: [tool, { ...tool, function: { ...tool.function, name: 'other' } }],
  },
  {
    messages: [{ role: 'user', content: 'hi' }],
    functions: [{ name: 'f', parameters: { type: 'object' } }],
    function_call: 'auto',
    stop: 'END',
    response_format: { type: 'json_object' },
    tool_choice: 'required',
    temperature: null,
    stream: null,
  },
  { messages: [{ role: 'assistant', function_call: { name: 'f', arguments: '{}' }, content: null }] },
];

/** Values that break one field or another. */
const ODD_VALUES: unknown[] = [
  null,
  undefined,
  0,
  -5,
  3.5,
  99,
  'x',
  '',
  true,
  [],
  [1],
  {},
  { a: 1 },
  ['a', 'b', 'c', 'd', 'e'],
];

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** Every path to a value in a JSON-like object. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') {
    return [prefix];
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, v]) => paths(v, [...prefix, key]))];
}

function mutate(body: object, next: () => number): object {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  const all = paths(copy).filter((path) => path.length > 0);
  for (let changes = 1 + Math.floor(next() * 2); changes > 0; changes--) {
    const path = all[Math.floor(next() * all.length)];
    let parent = copy;
    for (const key of path.slice(0, -1)) {
      parent = parent?.[key] as Record<string | number, unknown>;
    }
    if (parent && typeof parent === 'object') {
      const value = ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
      parent[path.at(-1)!] = structuredClone(value);
    }
  }
  return copy;
}

/** The verdict and the object it leaves, next to what class-validator says about the same body. */
async function compare(
  body: object,
): Promise<{ fast: boolean; full: boolean; fastObject: object; fullObject: object }> {
  const fastObject = plainToInstance(ChatCompletionRequestDto, structuredClone(body));
  const fullObject = plainToInstance(ChatCompletionRequestDto, structuredClone(body));
  const fast = new ValidationVerdict().accepts(fastObject, options);
  const full = (await validate(fullObject, options)).length === 0;
  return { fast, full, fastObject, fullObject };
}

describe(ValidationVerdict.name, () => {
  it('should accept the valid bodies, stripping unknown fields exactly as class-validator does', async () => {
    for (const body of VALID) {
      const { fast, full, fastObject, fullObject } = await compare(body);
      expect(full).toBe(true);
      expect(fast).toBe(true);
      expect(fastObject).toEqual(fullObject);
      expect(fastObject).not.toHaveProperty('some_future_field');
    }
  });

  it('should never accept what class-validator rejects, and agree with it on 3,000 mutated bodies', async () => {
    const next = random(20261124);
    let rejected = 0;
    for (let i = 0; i < 3000; i++) {
      const body = mutate(VALID[i % VALID.length], next);
      const { fast, full, fastObject, fullObject } = await compare(body);
      if (fast !== full) {
        throw new Error(`verdicts differ (fast ${fast}, class-validator ${full}) for ${JSON.stringify(body)}`);
      }
      if (fast) {
        expect(fastObject).toEqual(fullObject);
      } else {
        rejected++;
      }
    }
    // The mutations do reach the rules: most bodies break one.
    expect(rejected).toBeGreaterThan(1000);
  });

  it("should follow class-validator's each, IsDefined and ValidateIf rules, which our DTOs do not use yet", async () => {
    class Tagged {
      @IsString({ each: true })
      tags!: unknown;

      @IsDefined()
      @IsOptional()
      @IsInt()
      count?: unknown;

      @ValidateIf((o: Tagged) => o.tags !== 'skip')
      @IsString()
      label?: unknown;
    }
    const bodies = [
      { tags: ['a', 'b'], count: 1, label: 'x' },
      { tags: ['a', 2], count: 1, label: 'x' },
      { tags: 'a', count: 1, label: 'x' },
      { tags: new Set(['a', 3]), count: 1, label: 'x' },
      { tags: ['a'], label: 'x' },
      { tags: ['a'], count: null, label: 'x' },
      { tags: ['a'], count: 1 },
      { tags: 'skip', count: 1 },
    ];
    for (const body of bodies) {
      const fast = new ValidationVerdict().accepts(Object.assign(new Tagged(), body), options);
      const full = (await validate(Object.assign(new Tagged(), body), options)).length === 0;
      expect({ body, fast }).toEqual({ body, fast: full });
    }
  });

  it('should leave groups, forbidNonWhitelisted and async rules to class-validator', () => {
    const body = plainToInstance(ChatCompletionRequestDto, { messages: [{ role: 'user', content: 'hi' }] });
    const verdict = new ValidationVerdict();
    expect(verdict.accepts(body, { ...options, groups: ['a'] })).toBe(false);
    expect(verdict.accepts(body, { ...options, forbidNonWhitelisted: true })).toBe(false);
    expect(verdict.accepts(body, options)).toBe(true);
    const orphan = Object.assign(Object.create(null) as object, { messages: [] });
    expect(verdict.accepts(orphan, options)).toBe(false);
  });
});

describe(FastValidationPipe.name, () => {
  const meta = { type: 'body' as const, metatype: ChatCompletionRequestDto };
  const nest = new ValidationPipe(validationOptions);
  const fast = new FastValidationPipe(validationOptions);
  /** What a pipe makes of a body: the value it passes on, or the error body it throws. */
  const outcome = (pipe: ValidationPipe, body: unknown) =>
    pipe.transform(structuredClone(body), meta).then(
      (value: unknown) => ({ passed: JSON.parse(JSON.stringify(value)) as unknown }),
      (error: { getResponse?: () => unknown; message?: string }) => ({
        failed: error.getResponse?.() ?? error.message,
      }),
    );

  it("should pass on and reject exactly what Nest's ValidationPipe does, with the same errors", async () => {
    const next = random(424242);
    // Keys Nest's pipe strips (class-transformer alone would throw on `constructor`) and class-transformer skips.
    const oddKeys = {
      ...VALID[0],
      toString: 'x',
      x: JSON.parse('{"constructor": {"a": 1}, "prototype": 2, "valueOf": 3, "__proto__": {"b": 1}}') as unknown,
    };
    // Arrays over their @ArrayMaxSize, valid items or not: DtoInstantiator leaves their items as they are.
    const user = { role: 'user', content: 'x' };
    const overBounds = [
      { messages: Array(2049).fill(user) },
      { messages: [...Array(2049).fill(user), { role: 'bogus' }, 7] },
      { messages: [user], tools: Array(129).fill({ type: 'function', function: { name: 'f' } }) },
      { messages: [user], functions: Array(129).fill({ name: 'bad name' }), temperature: 9 },
      { messages: [{ role: 'assistant', content: null, tool_calls: Array(129).fill({ id: 'c' }) }] },
    ];
    const bodies: unknown[] = [
      ...VALID,
      ...overBounds,
      oddKeys,
      ...Array.from({ length: 100 }, () => mutate(oddKeys, next)),
      [],
      [VALID[0]],
      {},
      { messages: 'hello' },
      ...Array.from({ length: 1500 }, (_, i) => mutate(VALID[i % VALID.length], next)),
    ];
    for (const body of bodies) {
      const [expected, actual] = await Promise.all([outcome(nest, body), outcome(fast, body)]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(
          `pipes differ for ${JSON.stringify(body)}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`,
        );
      }
    }
    expect(await outcome(fast, [])).toMatchObject({ failed: { error: { param: 'messages' } } });
  });
});
