import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { ChatCompletionRequestDto, ChatMessageDto } from '../../chat-completions/dto';
import { DtoInstantiator } from './dto-instantiator';

/** A body that uses every DTO class, free-form values and the keys class-transformer and Nest leave out. */
const BODY: Record<string, unknown> = {
  model: 'm',
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'hi', extra: { deep: [1, [2, { x: null }]] } }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      function_call: { name: 'f', arguments: '{}' },
    },
    { role: 'tool', tool_call_id: 'c', content: 'r', toString: 'shadow', valueOf: 1 },
  ],
  stream_options: { include_usage: true },
  response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } },
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: {} } } } }],
  functions: [{ name: 'g' }],
  logit_bias: { '1': 2 },
  metadata: { a: 'b' },
  unknown: { list: [{}, [], 'x', 1, true, null] },
  stop: ['a'],
  // Objects where a DTO belongs, and arrays of arrays: what a client may send, transformed all the same.
  messages_extra: [[{ role: 'user' }]],
};

describe(DtoInstantiator.name, () => {
  const instantiator = new DtoInstantiator();

  it('should build exactly what plainToInstance builds (classes, copies, skipped keys)', () => {
    for (const body of [
      BODY,
      { ...BODY, stream_options: 5, response_format: [{ type: 'text' }], tools: { type: 'function' } },
      { ...BODY, messages: [[{ role: 'user', content: 'x' }], 'x', null] },
      JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"x": 1}, "messages": [{"constructor": 1}]}') as object,
      {},
    ]) {
      const expected = plainToInstance(ChatCompletionRequestDto, structuredClone(body));
      const actual = instantiator.instantiate(ChatCompletionRequestDto, structuredClone(body) as never)?.entity;
      expect(actual).toStrictEqual(expected);
    }
  });

  it("should drop `prototype` keys as Nest's ValidationPipe does before class-transformer", () => {
    const dto = instantiator.instantiate(ChatCompletionRequestDto, { messages: [], x: { prototype: 1, y: 2 } })?.entity;
    expect(dto).toMatchObject({ x: { y: 2 } });
    expect((dto as unknown as { x: object }).x).not.toHaveProperty('prototype');
  });

  it('should keep data (what no @Type describes) as parsed, prototype keys deleted, method-named keys kept', () => {
    const body = JSON.parse(
      '{"messages": [], "logit_bias": {"1": 2}, "x": {"toString": 1, "y": [{"__proto__": {"a": 1}, "b": 2}]}}',
    ) as Record<string, unknown>;
    const dto = instantiator.instantiate(ChatCompletionRequestDto, body)!.entity as unknown as Record<string, unknown>;
    expect(dto.logit_bias).toBe(body.logit_bias);
    expect(dto.x).toEqual({ toString: 1, y: [{ b: 2 }] });
    expect(Object.hasOwn((dto.x as { y: object[] }).y[0], '__proto__')).toBe(false);
  });

  it('should leave the items of an array over its @ArrayMaxSize as they are (validation rejects it anyway)', () => {
    const messages = Array.from({ length: 2049 }, () => ({ role: 'user', content: 'x' }));
    const dto = instantiator.instantiate(ChatCompletionRequestDto, { messages })!.entity;
    expect(dto.messages).toBe(messages);
    const within = instantiator.instantiate(ChatCompletionRequestDto, { messages: messages.slice(0, 2048) })!.entity;
    expect(within.messages[0]).toBeInstanceOf(ChatMessageDto);
  });

  it('should leave classes with other class-transformer rules to class-transformer', () => {
    class Inner {
      @IsString()
      @Transform(({ value }: { value: unknown }) => String(value).toUpperCase())
      name!: string;
    }
    class Outer {
      @IsOptional()
      @Type(() => Inner)
      inner?: Inner;
    }
    class WithString {
      @Type(() => String)
      name!: string;
    }
    expect(instantiator.instantiate(Outer, { inner: { name: 'x' } })).toBeUndefined();
    expect(instantiator.instantiate(WithString, { name: 1 })).toBeUndefined();
    expect(instantiator.instantiate(Outer, {})?.entity).toStrictEqual(plainToInstance(Outer, {}));
  });
});
