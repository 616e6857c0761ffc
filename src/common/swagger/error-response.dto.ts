import { ApiProperty } from '@nestjs/swagger';

/** The one OpenAI error object (`WireErrorBody['error']`), for the OpenAPI document. */
export class ErrorDetailDto {
  @ApiProperty({ description: 'What went wrong, for a person to read.', example: "Invalid 'temperature': ..." })
  message!: string;

  @ApiProperty({
    description: 'The class of error: `invalid_request_error`, `authentication_error`, `rate_limit_error`, ...',
    example: 'invalid_request_error',
  })
  type!: string;

  @ApiProperty({
    description: 'The request field at fault (dotted path), if any.',
    type: 'string',
    nullable: true,
    example: 'temperature',
  })
  param!: string | null;

  @ApiProperty({
    description: 'A machine-readable code (always a string or null).',
    type: 'string',
    nullable: true,
    example: null,
  })
  code!: string | null;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDetailDto })
  error!: ErrorDetailDto;
}
