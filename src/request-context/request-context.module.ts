import { Global, Module } from '@nestjs/common';
import { RequestContextMiddleware } from './request-context.middleware';
import { RequestTracker } from './request-tracker.service';

@Global()
@Module({
  providers: [RequestTracker, RequestContextMiddleware],
  exports: [RequestTracker, RequestContextMiddleware],
})
export class RequestContextModule {}
