/**
 * An example of every registered learner kind that the feature-vector conformance cases
 * (conformance.test.ts) cannot build: models over raw events. A kind registered in src/builtins.ts
 * with neither a conformance case nor an example here fails `every registered kind is checked`.
 */
import type { Estimator } from '../../../src/learners';
import { createLogisticRegression, indexLabels } from '../../../src/learners';
import { createStandardScaler, createVectorAssembler, pipeline } from '../../../src/features';
import type { Row } from '../../../src/features';
import { CASES, worldEvents } from '../reco/support';

export interface KindExample {
  /** The registered kind the example builds. */
  kind: string;
  name: string;
  create(): Estimator<Row>;
  data(seed: number, n: number): { xs: Row[]; ys: number[] };
}

function rows(seed: number, n: number): { xs: Row[]; ys: number[] } {
  const xs = Array.from({ length: n }, (_, i) => ({ a: Math.sin(seed * 31 + i), b: Math.cos(seed * 17 + i * 3) }));
  return { xs, ys: xs.map((x) => ((x.a as number) + 2 * (x.b as number) > 0 ? 1 : 0)) };
}

const recoExamples: KindExample[] = CASES.map((c) => ({
  kind: c.create().kind,
  name: c.name,
  create: () => c.create() as unknown as Estimator<Row>,
  data(seed, n) {
    const events = worldEvents(n, { seed });
    return { xs: events as unknown as Row[], ys: events.map(c.label) };
  },
}));

export const kindExamples: KindExample[] = [
  {
    kind: 'Pipeline',
    name: 'Pipeline (assembler, scaler, logistic regression)',
    create: () =>
      pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createStandardScaler({ inputCol: 'features' }), createLogisticRegression({ numFeatures: 2 })),
    data: rows,
  },
  {
    kind: 'LabelIndexed',
    name: 'LabelIndexed (pipeline with logistic regression)',
    create: () => indexLabels(pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createLogisticRegression({ numFeatures: 2 }))),
    data: rows,
  },
  ...recoExamples,
];
