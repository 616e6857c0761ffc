import { applyDecorators, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, COMMON_ERROR_STATUSES } from '../common/swagger/api-error-responses.decorator';
import { ModelDto, ModelListDto } from './model.dto';

/** Swagger noise for `GET /v1/models`, kept out of the controller. */
export function ListModelsEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(),
    ApiTags('models'),
    ApiOperation({ operationId: 'listModels', summary: 'List the served agents, each under its model id' }),
    ApiOkResponse({ description: 'The served models.', type: ModelListDto }),
    ApiErrorResponses(COMMON_ERROR_STATUSES),
  );
}

/** Swagger noise for `GET /v1/models/{model}`. */
export function RetrieveModelEndpoint(): MethodDecorator {
  return applyDecorators(
    Get(':id'),
    ApiTags('models'),
    ApiOperation({ operationId: 'retrieveModel', summary: 'Describe one served model' }),
    ApiParam({ name: 'id', description: 'A served model id.', example: 'camel-model' }),
    ApiOkResponse({ description: 'The model.', type: ModelDto }),
    ApiErrorResponses([...COMMON_ERROR_STATUSES, 404]),
  );
}
