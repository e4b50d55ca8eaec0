import type { Command } from '../command';
import { kafkaStart, kafkaStatus, kafkaStop } from './kafka';

/** Every command, in the order `--help` lists them. */
export const commands: Command[] = [kafkaStart, kafkaStatus, kafkaStop];
