import { trackDeadLetters, type DeadLetter, type DeadLetterInput } from '../../../connectors/dead-letter';
import { DeadLetterError } from '../../../src/errors';

const letter = (offset: number): DeadLetterInput => ({
  raw: { key: null, value: Buffer.from('oops'), headers: {} },
  error: new Error('bad'),
  position: { topic: 'events', partition: 0, offset: String(offset) },
});

/** A writer whose writes stay pending until the test stores or fails them, in any order. */
function heldWriter() {
  const held: { offset: string; store(): void; fail(err: unknown): void }[] = [];
  const writer: DeadLetter = {
    write: (input) =>
      new Promise<void>((store, fail) => {
        held.push({ offset: input.position.offset, store, fail });
      }),
  };
  return { writer, held };
}

const state = async (promise: Promise<void>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  await new Promise(setImmediate);
  return result;
};

describe('trackDeadLetters', () => {
  it('hands letters over at once and settles only when every letter handed over before is stored', async () => {
    const { writer, held } = heldWriter();
    const letters = trackDeadLetters(writer, () => undefined);
    expect(await state(letters.settled())).toBe('resolved');
    expect(await state(letters.handOver.write(letter(1)))).toBe('resolved');
    await letters.handOver.write(letter(2));
    expect(letters.pending).toBe(2);
    const beforeThird = letters.settled();
    await letters.handOver.write(letter(3));
    held[1].store();
    expect(await state(beforeThird)).toBe('pending');
    held[0].store();
    // The third letter was handed over after the wait began: it does not hold it up.
    expect(await state(beforeThird)).toBe('resolved');
    expect(letters.pending).toBe(1);
    const afterThird = letters.settled();
    expect(await state(afterThird)).toBe('pending');
    held[2].store();
    expect(await state(afterThird)).toBe('resolved');
    expect(letters.pending).toBe(0);
  });

  it('a letter that cannot be stored is reported at once, and every later wait rejects with it', async () => {
    const { writer, held } = heldWriter();
    const reported: unknown[] = [];
    const letters = trackDeadLetters(writer, (err) => reported.push(err));
    await letters.handOver.write(letter(7));
    const waiting = letters.settled();
    const failure = new DeadLetterError('cannot dead-letter events/0@7 to "dlq" (6 attempts): gone');
    held[0].fail(failure);
    await expect(waiting).rejects.toBe(failure);
    expect(reported).toEqual([failure]);
    // Nothing pending any more, and still no commit may pass that record.
    expect(letters.pending).toBe(0);
    await expect(letters.settled()).rejects.toBe(failure);
    await letters.handOver.write(letter(8));
    held[1].store();
    await expect(letters.settled()).rejects.toBe(failure);
  });
});
