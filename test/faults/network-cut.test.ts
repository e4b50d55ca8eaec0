import { expectTrainerRidesThrough } from './support/broker-faults';
import { startFaultBroker, type FaultBroker } from './support/fault-broker';
import { buildCli, sleep } from './support/trainer';

/**
 * The network cut: the broker frozen with SIGSTOP for 15 s, longer than the trainer's 10 s session
 * timeout, then thawed with SIGCONT; three times, each in the middle of a 15k-event burst. To the trainer
 * the broker is silent, not gone: requests hang until they time out, and the group's session expires.
 */
const CUT_MS = 15_000;

describe('the network cut by SIGSTOP of the broker for longer than the session timeout, then SIGCONT', () => {
  let broker: FaultBroker;
  beforeAll(async () => {
    await buildCli();
    broker = await startFaultBroker();
  }, 600_000);
  afterAll(() => broker?.stop());

  it('resumes and ends with the uninterrupted run’s model', async () => {
    await expectTrainerRidesThrough(broker, {
      name: 'network cut',
      seed: 17,
      faults: 3,
      burst: 15_000,
      async inject(frozen) {
        await sleep(500);
        frozen.pause();
        await sleep(CUT_MS);
        frozen.resume();
      },
    });
  }, 900_000);
});
