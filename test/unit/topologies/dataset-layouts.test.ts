/**
 * The ready-made topologies import only 'streamlearn', so they spell out the layouts of the streams the
 * main job and the tests produce (src/datasets, the developer kit). They must agree.
 */
import { DIGIT_PIXELS as DATASET_PIXELS } from '../../../src/datasets/digits';
import { TEXT_TOPICS as DATASET_TOPICS } from '../../../src/datasets/topics-text';
import { DIGIT_PIXELS } from '../../../topologies/digits-mlp';
import { TEXT_TOPICS } from '../../../topologies/text-classifier';

test('digits-mlp reads the pixel columns the digits dataset writes', () => {
  expect(DIGIT_PIXELS).toEqual(DATASET_PIXELS);
});

test('text-classifier has the classes of the topic-text dataset, in order', () => {
  expect(TEXT_TOPICS).toEqual(DATASET_TOPICS);
});
