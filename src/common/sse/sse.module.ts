import { Global, Module } from '@nestjs/common';
import { SseWriter } from './sse-writer.service';

@Global()
@Module({ providers: [SseWriter], exports: [SseWriter] })
export class SseModule {}
