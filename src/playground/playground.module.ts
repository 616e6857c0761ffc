import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig, AppConfig } from '../config/app.config';
import { PlaygroundAssets } from './playground-assets';
import { PlaygroundController } from './playground.controller';

@Module({
  controllers: [PlaygroundController],
  providers: [
    {
      provide: PlaygroundAssets,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const dir = config.get<AppConfig>('app').playgroundDir;
        return dir ? new PlaygroundAssets([dir]) : new PlaygroundAssets();
      },
    },
  ],
})
export class PlaygroundModule {}
