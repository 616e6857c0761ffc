import { Controller, Param } from '@nestjs/common';
import { AgentService } from '../agent/agent.service';
import type { WireModel, WireModelList } from '../openai/openai.types';
import { ListModelsEndpoint, RetrieveModelEndpoint } from './models-endpoint.decorator';

@Controller('v1/models')
export class ModelsController {
  constructor(private readonly agentService: AgentService) {}

  @ListModelsEndpoint()
  list(): WireModelList {
    return this.agentService.listModels();
  }

  @RetrieveModelEndpoint()
  get(@Param('id') id: string): WireModel {
    return this.agentService.getModel(id);
  }
}
