import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentService } from '../agent/agent.service';
import type { WireModel, WireModelList } from '../openai/openai.types';

@ApiTags('models')
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly agentService: AgentService) {}

  @Get()
  @ApiOperation({ summary: 'List the served agents, each under its model id' })
  @ApiOkResponse({ description: '`{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`' })
  list(): WireModelList {
    return this.agentService.listModels();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Describe one served model' })
  @ApiOkResponse({ description: 'A `model` object; 404 with `code: "model_not_found"` when unknown.' })
  get(@Param('id') id: string): WireModel {
    return this.agentService.getModel(id);
  }
}
