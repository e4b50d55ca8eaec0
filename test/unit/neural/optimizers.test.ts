import { initTensorflow } from '../../../src/neural';
import type { NormalizedOptimizerSpec } from '../../../src/neural/optimizers';
import { SlotOptimizer, normalizeOptimizer } from '../../../src/neural/optimizers';
import { tf } from '../../../src/neural/tensorflow';
import { clipByGlobalNorm } from '../../../src/neural/train-step';

beforeAll(async () => {
  await initTensorflow();
});

/** Least squares in w (3×2) and b (2): a loss with distinct gradients per weight. */
function problem(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = tf.tensor2d([1, 2, -1, 0.5, 3, -2, 0, 1, 1, -1, 2, 0.5], [4, 3]);
  const y = tf.tensor2d([1, 0, -1, 2, 0.5, 0.5, 3, -1], [4, 2]);
  return { x, y };
}

function variables(): { w: tf.Variable; b: tf.Variable } {
  return { w: tf.variable(tf.tensor2d([0.1, -0.2, 0.3, 0.05, -0.1, 0.2], [3, 2])), b: tf.variable(tf.zeros([2])) };
}

/** Runs `steps` steps of `optimizer` and returns the final weights. */
function run(optimizer: tf.Optimizer, vars: { w: tf.Variable; b: tf.Variable }, steps: number): number[] {
  const { x, y } = problem();
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { value, grads } = optimizer.computeGradients(
        () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, vars.w), vars.b)) as tf.Scalar,
        [vars.w, vars.b],
      );
      optimizer.applyGradients(grads);
      value.dispose();
    });
  }
  tf.dispose([x, y]);
  return [...vars.w.dataSync(), ...vars.b.dataSync()];
}

const reference: Record<NormalizedOptimizerSpec['type'], () => tf.Optimizer> = {
  adam: () => tf.train.adam(0.05, 0.9, 0.999, 1e-7),
  sgd: () => tf.train.sgd(0.05),
  rmsprop: () => tf.train.rmsprop(0.05, 0.9, 0, 1e-7),
};

test.each(['adam', 'sgd', 'rmsprop'] as const)('%s takes the same steps as tfjs’s own', (type) => {
  const ours = variables();
  const theirs = variables();
  const spec = normalizeOptimizer({ type, learningRate: 0.05 });
  const optimizer = new SlotOptimizer(spec, [
    { name: 'w', variable: ours.w },
    { name: 'b', variable: ours.b },
  ]);
  const expected = run(reference[type](), theirs, 25);
  const actual = run(optimizer, ours, 25);
  const initial = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0, 0];
  expect(expected).not.toEqual(initial);
  // tfjs keeps Adam's β^t as a float32 product, we compute it in float64: equal to float32 precision.
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  expect(optimizer.steps).toBe(25);
  const slotNames = { adam: ['w/m', 'w/v', 'b/m', 'b/v'], sgd: [], rmsprop: ['w/rms', 'b/rms'] }[type];
  expect(optimizer.slots.map((s) => s.name)).toEqual(slotNames);
});

test('defaults are Keras’s', () => {
  expect(normalizeOptimizer(undefined)).toEqual({
    type: 'adam',
    learningRate: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    globalClipNorm: null,
  });
  expect(normalizeOptimizer({ type: 'sgd' })).toEqual({ type: 'sgd', learningRate: 0.01, globalClipNorm: null });
});

describe('clipByGlobalNorm', () => {
  test('scales all gradients together to the norm, as TensorFlow’s clip_by_global_norm', () => {
    // Global norm of (3, 4) and (12): 13.
    const clipped = clipByGlobalNorm([tf.tensor1d([3, 4]), tf.tensor1d([12])], 6.5);
    expect(Array.from(clipped[0].dataSync())).toEqual([1.5, 2]);
    expect(Array.from(clipped[1].dataSync())).toEqual([6]);
  });

  test('leaves gradients within the norm unchanged', () => {
    const clipped = clipByGlobalNorm([tf.tensor1d([3, 4]), tf.tensor1d([12])], 20);
    expect(Array.from(clipped[0].dataSync())).toEqual([3, 4]);
    expect(Array.from(clipped[1].dataSync())).toEqual([12]);
  });
});
