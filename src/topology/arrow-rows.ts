import { identity, type MonoTypeOperatorFunction } from 'rxjs';
import type { MicroBatch } from '../../connectors/types';
import type { Row } from '../features/stage';

/**
 * No longer needed, and kept so that topologies written for earlier versions still run: it passes batches
 * through unchanged. The runtime now learns Arrow tables as the codec decodes them, column by column,
 * without a row object per row (src/topology/operators/vet-columns.ts, docs/performance.md "Arrow").
 * It used to turn each table row into a plain object.
 *
 * @deprecated Give `runTopology` Arrow input directly (`input.codec: createArrowCodec()`).
 */
export function arrowRows(): MonoTypeOperatorFunction<MicroBatch<Row>> {
  return identity;
}
