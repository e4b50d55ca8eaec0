import { DecodeError } from '../errors';
import { describeValue } from '../features/config';
import type { Recommendation, RecoId } from './event';
import type { Recommender } from './recommender';

/** A request on the requests topic. */
export interface RecommendRequest {
  requestId: string;
  userId: RecoId;
  /** Default 10. */
  k?: number;
  exclude?: RecoId[];
  /** Request-time context for the factorization machine's `userFields`. */
  context?: Record<string, unknown>;
}

/** The answer on the recommendations topic, keyed by request id. */
export interface RecommendAnswer {
  requestId: string;
  userId: RecoId;
  items: Recommendation[];
  modelVersion: number;
  /** From the request's Kafka timestamp to the answer. */
  latencyMs: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a decoded request, naming the field and `where`; `maxK` bounds the work one request can ask for. */
export function readRecommendRequest(
  value: unknown,
  where: string,
  maxK: number,
): Required<Omit<RecommendRequest, 'context'>> & Pick<RecommendRequest, 'context'> {
  const fail = (problem: string): never => {
    throw new DecodeError('SCHEMA', `${where}: ${problem}`);
  };
  if (!isObject(value)) return fail(`the request is ${describeValue(value)}, not an object`);
  const { requestId, userId, k = 10, exclude = [], context } = value;
  if (typeof requestId !== 'string' || requestId.length === 0) fail(`requestId must be a non-empty string, got ${describeValue(requestId)}`);
  if (!((typeof userId === 'string' && userId.length > 0) || (typeof userId === 'number' && Number.isFinite(userId)))) {
    fail(`userId must be a non-empty string or a finite number, got ${describeValue(userId)}`);
  }
  if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= maxK)) fail(`k must be an integer in [1, ${maxK}], got ${describeValue(k)}`);
  if (!Array.isArray(exclude)) fail(`exclude must be an array of item ids, got ${describeValue(exclude)}`);
  if (context !== undefined && !isObject(context)) fail(`context must be an object, got ${describeValue(context)}`);
  return {
    requestId: requestId as string,
    userId: userId as RecoId,
    k: k as number,
    exclude: exclude as RecoId[],
    context: context as Record<string, unknown> | undefined,
  };
}

/** Answers a checked request with `model`, which is version `modelVersion`. */
export function answerRequest(request: ReturnType<typeof readRecommendRequest>, model: Recommender, modelVersion: number, receivedAt: number): RecommendAnswer {
  const { requestId, userId, k, exclude, context } = request;
  const items = model.recommend(userId, k, { exclude, context });
  return { requestId, userId, items, modelVersion, latencyMs: Date.now() - receivedAt };
}
