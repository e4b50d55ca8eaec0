// A user's own topology in plain JavaScript (CommonJS), importing only 'streamlearn': events
// `{ a, b, clicked: 'yes' | 'no' }` learned by logistic regression; `indexLabels` maps the string labels
// to classes (and back, for predictions) and is checkpointed with the model. Run with `streamlearn run ./my-topology.js`.
const {
  createAccuracy,
  createJsonCodec,
  createLogisticRegression,
  createVectorAssembler,
  defineTopology,
  indexLabels,
  pipeline,
  topicsFor,
} = require('streamlearn');

module.exports = ({ prefix = '' } = {}) => {
  const topics = topicsFor('my-js-topology', prefix);
  return defineTopology({
    name: `${prefix}my-js-topology`,
    input: { topic: topics.input, codec: createJsonCodec() },
    outputs: topics,
    label: 'clicked',
    model: () => indexLabels(pipeline(createVectorAssembler({ inputCols: ['a', 'b'] }), createLogisticRegression({ numFeatures: 2 }))),
    metrics: () => ({ accuracy: createAccuracy() }),
    checkpoint: { everyRecords: 500, everyMs: 1000 },
  });
};
