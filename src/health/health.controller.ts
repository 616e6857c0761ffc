import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';

@ApiTags('health')
@Controller()
export class HealthController {
  @Get('health')
  @ApiOkResponse({ description: 'The process is up: `{"status": "ok"}`.' })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
