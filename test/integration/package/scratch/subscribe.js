// A second process that follows a model: the first version received is printed as one JSON line,
// with the model's prediction for the event given as argument. Usage: node subscribe.js BROKERS TOPIC MODEL_ID EVENT_JSON
const { subscribeModel } = require('streamlearn');

const [brokers, topic, modelId, event] = process.argv.slice(2);
const subscription = subscribeModel({ brokers: brokers.split(','), topic, modelId, onRejected: (reason) => console.error(`rejected: ${reason}`) }).subscribe({
  next({ manifest, model }) {
    // A model that indexes labels (indexLabels) answers with the original label.
    const x = JSON.parse(event);
    const prediction = typeof model.predictLabelOne === 'function' ? model.predictLabelOne(x) : model.predictOne(x);
    console.log(JSON.stringify({ modelId: manifest.modelId, version: manifest.version, kind: model.kind, examplesSeen: manifest.examplesSeen, prediction }));
    subscription.unsubscribe();
    process.exit(0);
  },
  error(err) {
    console.error(err.message);
    process.exit(1);
  },
});
