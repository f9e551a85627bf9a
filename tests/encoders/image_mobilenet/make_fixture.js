// make_fixture.js — made the reference fixture for test_mobilenet_fixture ONCE, with
// TensorFlow.js itself (npm @tensorflow/tfjs@4.22.0, pure JS CPU backend). Not run by the
// build or the tests; kept so the fixture can be remade and checked:
//
//   mkdir -p /tmp/tfjs && (cd /tmp/tfjs && npm init -y && npm install @tensorflow/tfjs@4.22.0)
//   tar xzf nsfwjs-4.3.0.tgz -C /tmp/nsfw        # npm pack nsfwjs@4.3.0
//   NODE_PATH=/tmp/tfjs/node_modules node make_fixture.js \
//       /tmp/nsfw/package/dist/models/mobilenet_v2_mid > fixture_feature.txt
//
// Input: one 224x224x3 NHWC image in [0,1], pixel (h, w, c) =
//   ((h*7 + w*13 + c*71 + (h*w) % 37) % 256) / 255          (test_mobilenet_fixture.c computes
// the same), run through the graph model up to the 1792-d pooled feature (SpatialSqueeze).
// Output: one line per feature value, then the 5-class softmax as "# softmax ..." comments.
const tf = require('@tensorflow/tfjs');
const path = require('path');

async function main() {
  const dir = process.argv[2];
  await tf.setBackend('cpu');
  const model = require(path.resolve(dir, 'model.min.js'));
  const shards = model.weightsManifest[0].paths.map(
    (p) => Buffer.from(require(path.resolve(dir, p + '.min.js')), 'base64'));
  const all = Buffer.concat(shards);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  const g = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest[0].weights,
    weightData: data,
    format: model.format, generatedBy: model.generatedBy, convertedBy: model.convertedBy,
  }));
  const S = 224, x = new Float32Array(S * S * 3);
  for (let h = 0; h < S; h++)
    for (let w = 0; w < S; w++)
      for (let c = 0; c < 3; c++)
        x[(h * S + w) * 3 + c] = ((h * 7 + w * 13 + c * 71 + ((h * w) % 37)) % 256) / 255;
  const input = tf.tensor4d(x, [1, S, S, 3]);
  const pre = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/' +
    'StatefulPartitionedCall/StatefulPartitionedCall/predict/';
  const [feat, prob] = g.execute(input, [pre + 'feature_vector/SpatialSqueeze', 'Identity']);
  const f = feat.dataSync(), p = prob.dataSync();
  const out = [];
  for (let i = 0; i < f.length; i++) out.push(f[i].toPrecision(9));
  out.push('# softmax ' + Array.from(p).map((v) => v.toPrecision(9)).join(' '));
  out.push('# backend ' + tf.getBackend() + ' tfjs ' + tf.version.tfjs);
  process.stdout.write(out.join('\n') + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
