import { createRandom } from '../random';

/**
 * Short synthetic documents on four topics, for text classification. Each document mixes words of its
 * topic's vocabulary with words shared by all topics, so that no single word decides the class; some
 * topic words are ambiguous between two topics, which bigrams ("interest rate", "data center") resolve.
 */
export interface TextEvent {
  text: string;
  /** Class index into {@link TEXT_TOPICS}. */
  label: number;
}

export const TEXT_TOPICS = ['sports', 'technology', 'finance', 'health'] as const;

const TOPIC_WORDS: readonly (readonly string[])[] = [
  ['match', 'goal', 'coach', 'season', 'league', 'striker', 'injury', 'score', 'team', 'final', 'referee', 'stadium', 'rate'],
  ['software', 'server', 'data', 'cloud', 'chip', 'code', 'startup', 'network', 'center', 'model', 'release', 'device', 'rate'],
  ['market', 'stock', 'bank', 'interest', 'rate', 'inflation', 'bond', 'fund', 'earnings', 'investor', 'price', 'data', 'center'],
  ['doctor', 'patient', 'vaccine', 'clinic', 'diet', 'sleep', 'virus', 'trial', 'heart', 'therapy', 'injury', 'model', 'center'],
];

const SHARED_WORDS = ['the', 'a', 'new', 'report', 'says', 'after', 'week', 'today', 'people', 'more', 'year', 'big', 'first', 'news', 'of', 'in'];

export function* topicTextStream({ seed = 11, topicShare = 0.5, minWords = 6, maxWords = 16 } = {}): Generator<TextEvent> {
  const rng = createRandom(seed);
  for (;;) {
    const label = rng.nextInt(TOPIC_WORDS.length);
    const length = minWords + rng.nextInt(maxWords - minWords + 1);
    const words: string[] = [];
    for (let i = 0; i < length; i++) {
      const vocabulary = rng.next() < topicShare ? TOPIC_WORDS[label] : SHARED_WORDS;
      words.push(vocabulary[rng.nextInt(vocabulary.length)]);
    }
    yield { text: words.join(' '), label };
  }
}
