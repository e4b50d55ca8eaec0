import { createRandom } from '../../../src/random';
import { createBiasedMF, createBprMF, type Recommendation } from '../../../src/reco';
import { rankOf, topK } from '../../../src/reco/top-k';
import { readTable, throughCheckpoint, worldEvents } from './support';

/** The full ranking by sorting every (score, position): best score first, ties by position. */
function bySort(scores: number[]): number[] {
  return scores
    .map((score, row) => ({ score, row }))
    .filter(({ score }) => score !== -Infinity)
    .sort((a, b) => b.score - a.score || a.row - b.row)
    .map(({ row }) => row);
}

describe('top-K selection', () => {
  it('equals a full sort, ties and exclusions included', () => {
    const random = createRandom(9);
    for (let trial = 0; trial < 100; trial++) {
      const count = 1 + random.nextInt(300);
      // Few distinct values, so ties are everywhere; some rows excluded.
      const scores = Float64Array.from({ length: count + 5 }, () => (random.next() < 0.1 ? -Infinity : random.nextInt(20)));
      const k = random.nextInt(count + 3);
      const sorted = bySort(Array.from(scores.subarray(0, count)));
      expect(Array.from(topK(scores, count, k))).toEqual(sorted.slice(0, k));
      sorted.forEach((row, position) => expect(rankOf(scores, count, row)).toBe(position + 1));
    }
  });
});

describe('recommend() pins the exact top-K of a seeded model', () => {
  const events = worldEvents(20_000, { users: 100, items: 300, seed: 21 });

  /** Scores every item from the checkpoint's tables, as a reader in another language would, in float64. */
  function bruteForce(state: ReturnType<typeof throughCheckpoint>, user: string, base: (userBias: number) => number, exclude: string[]): Recommendation[] {
    const users = readTable(state, 'users');
    const items = readTable(state, 'items');
    const u = users.ids.indexOf(user);
    const p = u < 0 ? null : users.column('factors')[u];
    const userBias = u < 0 || state.arrays['users/bias'] === undefined ? 0 : users.column('bias')[u][0];
    const itemBias = items.column('bias');
    const q = items.column('factors');
    const scores = items.ids.map((id, j) => {
      if (exclude.includes(id)) return -Infinity;
      let score = base(userBias) + itemBias[j][0];
      if (p) p.forEach((pf, f) => (score += pf * q[j][f]));
      return score;
    });
    return bySort(scores)
      .slice(0, 10)
      .map((row) => ({ itemId: items.ids[row], score: scores[row] }));
  }

  function expectSame(actual: Recommendation[], expected: Recommendation[]): void {
    expect(actual.map((r) => r.itemId)).toEqual(expected.map((r) => r.itemId));
    actual.forEach((r, i) => expect(r.score).toBeCloseTo(expected[i].score, 10));
  }

  it('BiasedMF: μ + b_u + b_i + p_u·q_i, for known and unknown users, with exclusions', () => {
    const model = createBiasedMF({ factors: 8, seed: 5, optimizer: 'adagrad', learningRate: 0.1 });
    model.learnMany(
      events,
      events.map((e) => e.rating),
    );
    const state = throughCheckpoint(model.state());
    const mean = state.arrays.global[0];
    const first = model.recommend('u3', 10);
    for (const [user, exclude] of [
      ['u3', []],
      ['u3', first.slice(0, 3).map((r) => r.itemId)],
      ['u42', ['i0', 'i1']],
      ['new-user', []],
    ] as const) {
      expectSame(
        model.recommend(user, 10, { exclude }),
        bruteForce(state, user, (b) => mean + b, [...exclude]),
      );
    }
    // The first item the model saw sits in row 0 of its item table: it is excluded like any other.
    const all = model.recommend('u3', 1000).map((r) => r.itemId);
    expect(readTable(state, 'items').ids[0]).toBe(events[0].itemId);
    expect(all).toContain(events[0].itemId);
    expect(model.recommend('u3', 1000, { exclude: [events[0].itemId] }).map((r) => r.itemId)).toEqual(all.filter((id) => id !== events[0].itemId));
    // A new user gets the cold-start list: items by bias alone.
    const byBias = readTable(state, 'items')
      .column('bias')
      .map(([b], j) => ({ j, b }));
    expect(model.recommend('new-user', 5).map((r) => r.itemId)).toEqual(
      byBias
        .sort((a, b) => b.b - a.b || a.j - b.j)
        .slice(0, 5)
        .map(({ j }) => readTable(state, 'items').ids[j]),
    );
  });

  it('BprMF: b_i + p_u·q_i', () => {
    const model = createBprMF({ factors: 8, seed: 6 });
    model.learnMany(
      events,
      events.map(() => 1),
    );
    const state = throughCheckpoint(model.state());
    for (const user of ['u3', 'u77', 'new-user'])
      expectSame(
        model.recommend(user, 10),
        bruteForce(state, user, () => 0, []),
      );
  });
});
