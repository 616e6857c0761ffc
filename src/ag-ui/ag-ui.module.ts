import { Module } from '@nestjs/common';
import { AgUiController } from './ag-ui.controller';
import { AgUiService } from './ag-ui.service';

@Module({ controllers: [AgUiController], providers: [AgUiService] })
export class AgUiModule {}
