import type { ScalarLoss } from '../../../src/learners/losses';
import { createClassificationLoss, createRegressionLoss } from '../../../src/learners/losses';
import { writeSigmoidRow } from '../../../src/learners/probabilities';

const losses: [string, ScalarLoss, number[]][] = [
  ['squared', createRegressionLoss('squared', 0), [-3, 0.5, 2]],
  ['huber', createRegressionLoss('huber', 0.7), [-3, 0.5, 2]],
  ['epsilonInsensitive', createRegressionLoss('epsilonInsensitive', 0.35), [-3, 0.5, 2]],
  ['logistic', createClassificationLoss('logistic'), [-1, 1]],
  ['hinge', createClassificationLoss('hinge'), [-1, 1]],
  ['squaredHinge', createClassificationLoss('squaredHinge'), [-1, 1]],
];
const predictions = [-4.3, -1.7, -0.45, 0.2, 0.9, 2.6, 35];

const FLOW_STEPS = 20000;

/** Where the gradient flow dp/dt = -loss'(p) is at time `time`, by classic Runge-Kutta. */
function flow(loss: ScalarLoss, p: number, label: number, time: number): number {
  const steps = FLOW_STEPS;
  const h = time / steps;
  const f = (q: number) => -loss.derivative(q, label);
  for (let i = 0; i < steps; i++) {
    const k1 = f(p);
    const k2 = f(p + (h / 2) * k1);
    const k3 = f(p + (h / 2) * k2);
    const k4 = f(p + h * k3);
    p += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return p;
}

describe.each(losses)('%s loss', (_name, loss, labels) => {
  test('derivative is the slope of the value (central differences, away from kinks)', () => {
    for (const label of labels) {
      for (const p of predictions) {
        const h = 1e-6;
        const numeric = (loss.value(p + h, label) - loss.value(p - h, label)) / (2 * h);
        expect(loss.derivative(p, label)).toBeCloseTo(numeric, 5);
      }
    }
  });

  test('the invariant derivative reproduces the gradient flow, never overshooting', () => {
    for (const label of labels) {
      for (const p of predictions) {
        expect(loss.invariantDerivative(p, label, 1e-14)).toBeCloseTo(loss.derivative(p, label), 10);
        for (const time of [0.05, 0.8, 4, 30]) {
          const landed = p - time * loss.invariantDerivative(p, label, time);
          // Where the flow stops at a kink, Runge-Kutta chatters by up to a step around it.
          const error = Math.abs(landed - flow(loss, p, label, time));
          expect({ p, label, time, error: error <= (2 * time) / FLOW_STEPS }).toEqual({ p, label, time, error: true });
        }
      }
    }
  });
});

test('losses keep the conventions of scikit-learn', () => {
  expect(createRegressionLoss('squared', 0).value(3, 1)).toBe(2);
  expect(createRegressionLoss('huber', 1).value(4, 1)).toBe(2.5);
  expect(createRegressionLoss('epsilonInsensitive', 0.5).value(3, 1)).toBe(1.5);
  expect(createClassificationLoss('logistic').value(0, 1)).toBeCloseTo(Math.LN2, 15);
  expect(createClassificationLoss('logistic').value(-800, 1)).toBe(800);
  expect(createClassificationLoss('hinge').value(0.25, -1)).toBe(1.25);
  expect(createClassificationLoss('squaredHinge').value(0.5, 1)).toBe(0.25);
});

test('the logistic derivative is -P(0) for label 1 and P(1) for label -1, bit for bit (the fused step relies on it)', () => {
  const logistic = createClassificationLoss('logistic');
  const row = new Float64Array(2);
  for (const p of [-0, 0, 5e-324, -1e-300, 1e-9, ...predictions, -35, 700, -800]) {
    writeSigmoidRow(Float64Array.of(p), row, 0);
    expect({ p, derivative: logistic.derivative(p, 1) }).toEqual({ p, derivative: -row[0] });
    expect({ p, derivative: logistic.derivative(p, -1) }).toEqual({ p, derivative: row[1] });
  }
});
