/** Prometheus exporter and live dashboard (docs/observability.md). */
export { startMetricsServer, type MetricsServer, type MetricsServerConfig } from './metrics-server';
export { createTopologyMetrics, type TopologyMetricsConfig } from './topology-metrics';
export { createServingMetrics, type ServingMetricsConfig } from './serving-metrics';
export { startDashboard, type Dashboard, type DashboardConfig } from './dashboard/server';
export type { DashboardLimits } from './dashboard/state';
export type { TopologyObserver } from '../topology/observer';
export type { ServingObserver } from '../serving/run-serving';
