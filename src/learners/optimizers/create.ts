import type { LinearWeights, WeightDtype } from '../linear-weights';
import { ElasticNetPenalty } from '../penalty';
import { AdagradOptimizer } from './adagrad';
import { AdamOptimizer } from './adam';
import type { ResolvedOptimizerConfig } from './config';
import { FtrlOptimizer } from './ftrl';
import { NormalizedOptimizer } from './normalized';
import type { Optimizer } from './optimizer';
import { PassiveAggressiveOptimizer } from './passive-aggressive';
import { ExampleSgdOptimizer } from './sgd';

export interface OptimizerSetting {
  optimizer: ResolvedOptimizerConfig;
  stepSize: number;
  regParam: number;
  elasticNetParam: number;
  fitIntercept: boolean;
  dtype: WeightDtype;
}

/** The optimizer of a linear model, with the elastic-net penalty of `regParam` and `elasticNetParam`. */
export function createOptimizer(weights: LinearWeights, setting: OptimizerSetting): Optimizer {
  const { optimizer, stepSize, regParam, elasticNetParam, fitIntercept, dtype } = setting;
  const l1 = regParam * elasticNetParam;
  const l2 = regParam * (1 - elasticNetParam);
  if (optimizer.kind === 'ftrl') {
    return new FtrlOptimizer(weights, fitIntercept, optimizer, stepSize, l1, l2, dtype);
  }
  const context = { weights, penalty: new ElasticNetPenalty(weights, l1, l2, dtype), fitIntercept, stepSize, dtype };
  switch (optimizer.kind) {
    case 'sgd':
      if (optimizer.schedule === 'pa1' || optimizer.schedule === 'pa2') return new PassiveAggressiveOptimizer(context, optimizer);
      return new ExampleSgdOptimizer(context, optimizer, regParam);
    case 'adagrad':
      return new AdagradOptimizer(context, optimizer);
    case 'adam':
      return new AdamOptimizer(context, optimizer);
    case 'normalized':
      return new NormalizedOptimizer(context, optimizer);
  }
}
