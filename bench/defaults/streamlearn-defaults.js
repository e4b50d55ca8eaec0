// streamlearn's side of bench/python/linear_defaults.py: each linear learner with default settings behind
// an online StandardScaler, scored prequentially on the JSONL files the Python side wrote.
// Usage: node bench/defaults/streamlearn-defaults.js <manifest.json>  (after `npm run build`)
const { readFileSync } = require('node:fs');
const sl = require('streamlearn');

const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const LEARNERS = {
  LinearRegression: (d) =>
    sl.createLinearRegression({ numFeatures: d, ...(process.env.LINEAR_REGRESSION_STEP ? { stepSize: Number(process.env.LINEAR_REGRESSION_STEP) } : {}) }),
  LogisticRegression: (d) => sl.createLogisticRegression({ numFeatures: d }),
  LinearSVM: (d) => sl.createLinearSVM({ numFeatures: d }),
  SoftmaxRegression: (d, k) => sl.createSoftmaxRegression({ numFeatures: d, numClasses: k }),
};

const METRICS = { mae: () => sl.createMae(), accuracy: () => sl.createAccuracy(), logLoss: () => sl.createLogLoss() };

async function main() {
  const results = [];
  for (const run of manifest.runs) {
    const rows = readFileSync(run.file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const scores = {};
    for (const name of run.metrics) {
      const metric = METRICS[name]();
      // `scaled` rows were standardised by River's scaler already: the learners alone are compared.
      const stages = run.scaled
        ? [sl.createVectorAssembler({ inputCols: run.features, outputCol: 'features' })]
        : [sl.createVectorAssembler({ inputCols: run.features, outputCol: 'raw' }), sl.createStandardScaler({ inputCol: 'raw', outputCol: 'features' })];
      const fresh = sl.pipeline(...stages, LEARNERS[run.learner](run.features.length, run.classes));
      await sl.progressiveValScore(
        rows.map((row) => [row, row[run.label]]),
        fresh,
        metric,
      );
      scores[name] = metric.get();
    }
    results.push({ dataset: run.dataset, learner: run.learner, scores });
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
