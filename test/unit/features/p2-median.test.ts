/** The P² median's unrolled update gives the indexed textbook loop's markers bit for bit. */
import { p2Add, p2Median } from '../../../src/features/p2-median';
import { createRandom } from '../../../src/random';

const INCREMENTS = [0, 0.25, 0.5, 0.75, 1];

/** The update as it was written before the unrolling (Jain & Chlamtac's loop over markers), the reference. */
function referenceAdd(q: Float64Array, n: Float64Array, count: number, x: number): void {
  if (count <= 5) {
    let i = count - 1;
    while (i > 0 && q[i - 1] > x) {
      q[i] = q[i - 1];
      i--;
    }
    q[i] = x;
    n[count - 1] = count;
    return;
  }
  let k: number;
  if (x < q[0]) {
    q[0] = x;
    k = 0;
  } else if (x >= q[4]) {
    q[4] = x;
    k = 3;
  } else {
    k = 0;
    while (x >= q[k + 1]) k++;
  }
  for (let i = k + 1; i < 5; i++) n[i]++;
  for (let i = 1; i <= 3; i++) {
    const drift = 1 + (count - 1) * INCREMENTS[i] - n[i];
    if ((drift >= 1 && n[i + 1] - n[i] > 1) || (drift <= -1 && n[i - 1] - n[i] < -1)) {
      const d = Math.sign(drift);
      const candidate =
        q[i] +
        (d / (n[i + 1] - n[i - 1])) *
          ((n[i] - n[i - 1] + d) * ((q[i + 1] - q[i]) / (n[i + 1] - n[i])) + (n[i + 1] - n[i] - d) * ((q[i] - q[i - 1]) / (n[i] - n[i - 1])));
      q[i] = q[i - 1] < candidate && candidate < q[i + 1] ? candidate : q[i] + (d * (q[i + d] - q[i])) / (n[i + d] - n[i]);
      n[i] += d;
    }
  }
}

describe('p2Add', () => {
  it.each([
    ['gaussian', (r: ReturnType<typeof createRandom>) => 50 + 10 * r.gaussian()],
    ['heavy-tailed', (r: ReturnType<typeof createRandom>) => Math.tan((r.next() - 0.5) * 3.1)],
    ['few values (ties)', (r: ReturnType<typeof createRandom>) => r.nextInt(4)],
    ['drifting', (r: ReturnType<typeof createRandom>) => r.next() * 1e-3],
  ])('keeps the reference loop’s markers bit for bit over 20,000 %s values, at an offset', (_name, draw) => {
    const random = createRandom(17);
    const [heights, positions] = [new Float64Array(12), new Float64Array(12)];
    const [q, n] = [new Float64Array(5), new Float64Array(5)];
    for (let count = 1; count <= 20_000; count++) {
      const x = _name === 'drifting' ? draw(random) + count : draw(random);
      p2Add(heights, positions, 7, count, x);
      referenceAdd(q, n, count, x);
      if (count % 97 === 0 || count < 12) {
        expect(Array.from(heights.subarray(7, 12)).every((h, i) => Object.is(h, q[i]))).toBe(true);
        expect(Array.from(positions.subarray(7, 12))).toEqual(Array.from(n));
      }
    }
    expect(p2Median(heights, 7, 20_000)).toBe(q[2]);
    expect([heights[6], positions[6]]).toEqual([0, 0]);
  });
});
