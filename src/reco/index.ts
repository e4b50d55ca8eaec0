/** Recommenders over interaction events; importing this module registers every kind with `fromState`. */
export { EVENT_STRENGTH, eventStrength } from './event';
export type { RecoEvent, RecoEventKind, RecoId, Recommendation, RecommendOptions } from './event';
export type { Recommender, RecoMemory } from './recommender';
export { isRecommender } from './recommender';
export type { FactorConfig, RecoCommonConfig, RecoOptimizer } from './reco-config';
export { createBiasedMF } from './biased-mf';
export type { BiasedMFConfig } from './biased-mf';
export { createBprMF } from './bpr-mf';
export type { BprMFConfig } from './bpr-mf';
export { createFactorizationMachine } from './factorization-machine';
export type { FactorizationMachineConfig, FmLoss } from './factorization-machine';
export { createPopularity } from './popularity';
export type { PopularityConfig } from './popularity';
export { createHitRate, createMrr, createNdcg } from './ranking-metrics';
export type { RankingMetric, RankingMetricConfig } from './ranking-metrics';
export { evaluateRecommender } from './prequential';
export type { RecoEvaluation, RecoEvaluationOptions } from './prequential';
