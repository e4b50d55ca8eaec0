// streamlearn's side of bench/python/linear_defaults.py: each linear learner with default settings behind
// an online StandardScaler, scored prequentially on the JSONL files the Python side wrote.
// Usage: node bench/defaults/streamlearn-defaults.js <manifest.json>  (after `npm run build`)
const { readFileSync } = require('node:fs');
const sl = require('streamlearn');

const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const LEARNERS = {
  LinearRegression: (d) => sl.createLinearRegression({ numFeatures: d }),
  LogisticRegression: (d) => sl.createLogisticRegression({ numFeatures: d }),
  LinearSVM: (d) => sl.createLinearSVM({ numFeatures: d }),
  SoftmaxRegression: (d, k) => sl.createSoftmaxRegression({ numFeatures: d, numClasses: k }),
};

const METRICS = { mae: () => sl.createMae(), accuracy: () => sl.createAccuracy(), logLoss: () => sl.createLogLoss() };

async function main() {
  const results = [];
  for (const run of manifest.runs) {
    const rows = readFileSync(run.file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    // SVM labels are -1/1 in streamlearn's LinearSVM; the Python side wrote 0/1.
    const label = run.learner === 'LinearSVM' ? (y) => (y === 1 ? 1 : -1) : (y) => y;
    const scores = {};
    for (const name of run.metrics) {
      const metric = METRICS[name]();
      const fresh = sl.pipeline(
        sl.createVectorAssembler({ inputCols: run.features, outputCol: 'raw' }),
        sl.createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
        LEARNERS[run.learner](run.features.length, run.classes),
      );
      // SVM accuracy compares labels in streamlearn's -1/1 encoding.
      await sl.progressiveValScore(rows.map((row) => [row, label(row[run.label])]), fresh, metric);
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
