import { ApiProperty } from '@nestjs/swagger';

/** A served agent as a `model` object (`WireModel` in `openai.types.ts`), for the OpenAPI document. */
export class ModelDto {
  @ApiProperty({ description: 'The id to pass as `model`.', example: 'camel-model' })
  id!: string;

  @ApiProperty({ enum: ['model'], example: 'model' })
  object!: 'model';

  @ApiProperty({ description: 'Unix time in seconds.', type: 'integer', example: 1764403200 })
  created!: number;

  @ApiProperty({ example: 'chat-agent-server' })
  owned_by!: string;
}

export class ModelListDto {
  @ApiProperty({ enum: ['list'], example: 'list' })
  object!: 'list';

  @ApiProperty({ type: [ModelDto] })
  data!: ModelDto[];
}
