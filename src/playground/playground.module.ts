import { Module } from '@nestjs/common';
import { PlaygroundAssets } from './playground-assets';
import { PlaygroundController } from './playground.controller';

@Module({
  controllers: [PlaygroundController],
  providers: [{ provide: PlaygroundAssets, useFactory: () => new PlaygroundAssets() }],
})
export class PlaygroundModule {}
