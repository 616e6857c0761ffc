import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { flushTracing } from './tracing';

/** Exports the last spans when the app closes (gracefulShutdown ends with app.close()). */
@Injectable()
export class TracingFlush implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing();
  }
}

/** Tracing's part of the app: the SDK itself starts before the app (startTracing), the span middleware in createServer. */
@Module({ providers: [TracingFlush] })
export class TracingModule {}
