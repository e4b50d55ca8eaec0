import type { Command } from '../command';
import { consume } from './consume';
import { dashboard } from './dashboard';
import { drift } from './drift';
import { importance } from './importance';
import { kafkaStart, kafkaStatus, kafkaStop } from './kafka';
import { models, subscribe } from './models';
import { produce } from './produce';
import { run } from './run';
import { serve } from './serve';
import { start } from './start';

/** Every command, in the order `--help` lists them. */
export const commands: Command[] = [start, run, serve, subscribe, models, importance, drift, dashboard, produce, consume, kafkaStart, kafkaStatus, kafkaStop];
