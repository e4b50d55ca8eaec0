// An ES-module user of the package: named imports from the CommonJS build must resolve through `exports`.
import { createLinearRegression, createRegistry, defineTopology, runTopology, subscribeModel } from 'streamlearn';

const model = createLinearRegression({ numFeatures: 2, stepSize: 0.1 });
for (let i = 0; i < 2000; i++) {
  const x = Float64Array.of(Math.sin(i), Math.cos(i));
  model.learnOne(x, 2 * x[0] - x[1]);
}
const exported = [createRegistry, defineTopology, runTopology, subscribeModel].map((fn) => typeof fn);
console.log(JSON.stringify({ exported, prediction: model.predictOne(Float64Array.of(0.5, 0.5)) }));
