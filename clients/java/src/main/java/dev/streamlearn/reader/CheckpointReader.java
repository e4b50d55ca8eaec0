package dev.streamlearn.reader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the newest verified checkpoint of a model from a streamlearn model topic (docs/checkpoint-format.md). */
public final class CheckpointReader {
  /** One array of the payload: values widened to double, with its recorded shape and role. */
  public record NamedArray(String dtype, int[] shape, String role, boolean derived, double[] values) {}

  public record Checkpoint(JsonNode manifest, Map<String, NamedArray> arrays) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointReader() {}

  /**
   * Reads the topic (one partition) from start to end; the highest verified version wins, failures go to `rejected`.
   * A merged version older (by epoch, then generation) than the newest accepted one is refused, as the TS and Python readers do.
   */
  public static Checkpoint readLatest(String brokers, String topic, String modelId, Consumer<String> rejected) throws IOException {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("group.id", "streamlearn-java-reader-" + UUID.randomUUID());
    p.put("enable.auto.commit", "false");
    // Mixers and per-partition trainers publish in transactions (docs/scale-out.md): an aborted one must not be read.
    p.put("isolation.level", "read_committed");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      Map<String, byte[]> chunks = new HashMap<>();
      JsonNode newest = null;
      byte[] newestPayload = null;
      long[] newestStamp = null; // (epoch, generation) of the newest accepted merged version
      while (consumer.position(tp) < end) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
          if (r.key() == null) continue;
          if (r.value() == null) { chunks.remove(r.key()); continue; } // a tombstone
          if (r.key().contains("/chunk/")) { chunks.put(r.key(), r.value()); continue; }
          // The manifest is under the model id, and under `<modelId>@v<version>` when the publisher keeps versions.
          java.util.regex.Matcher versioned = java.util.regex.Pattern.compile("^(.*)@v([1-9][0-9]*)$").matcher(r.key());
          String keyModel = versioned.matches() ? versioned.group(1) : r.key();
          if (!keyModel.equals(modelId)) continue;
          String where = topic + "/0@" + r.offset();
          try {
            ByteBuffer b = ByteBuffer.wrap(r.value()); // big-endian
            byte[] magic = new byte[4];
            b.get(magic);
            if (!Arrays.equals(magic, "SLCK".getBytes(StandardCharsets.US_ASCII)) || b.get() != 1) throw new IOException(where + ": not a streamlearn checkpoint");
            int n = b.getInt();
            JsonNode manifest = JSON.readTree(Arrays.copyOfRange(r.value(), 9, 9 + n));
            if (!manifest.path("modelId").asText().equals(modelId) || (versioned.matches() && manifest.path("version").asLong() != Long.parseLong(versioned.group(2)))) {
              throw new IOException(where + ": key " + r.key() + " names another model or version than its manifest");
            }
            // A replay or second copy of an accepted version is passed over; an older mixer stamp is refused.
            if (newest != null && manifest.path("version").asLong() <= newest.get("version").asLong()) continue;
            long[] stamp = mixStamp(manifest, where);
            String older = olderThan(stamp, newestStamp);
            if (older != null) throw new IOException(where + ": " + modelId + " v" + manifest.path("version").asLong() + " comes from " + older + " already accepted");
            byte[] payload = Arrays.copyOfRange(r.value(), 9 + n, r.value().length);
            if (manifest.has("chunks")) {
              ByteArrayOutputStream joined = new ByteArrayOutputStream();
              String prefix = manifest.get("chunks").get("keyPrefix").asText();
              for (int i = 0; i < manifest.get("chunks").get("count").asInt(); i++) {
                byte[] part = chunks.get(prefix + i);
                if (part == null) throw new IOException(where + ": chunk " + i + " is missing");
                joined.write(part);
              }
              payload = joined.toByteArray();
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
            if (!sha.equals(manifest.get("payloadSha256").asText())) throw new IOException(where + ": payload SHA-256 " + sha + " does not match the manifest");
            newest = manifest;
            newestPayload = payload;
            if (stamp != null) newestStamp = stamp;
          } catch (IOException | NoSuchAlgorithmException err) {
            rejected.accept(err.getMessage());
          }
        }
      }
      if (newest == null) throw new IOException("model topic " + topic + " holds no verified checkpoint of " + modelId);
      return new Checkpoint(newest, readArrays(newestPayload));
    }
  }

  /**
   * A merged version's (epoch, generation); null for a version no mixer wrote. Absent epoch: 0. Readers order merged
   * versions by (epoch, generation): generations restart after a group reset, and a new epoch starts with them (docs/scale-out.md).
   */
  static long[] mixStamp(JsonNode manifest, String where) throws IOException {
    JsonNode generation = manifest.get("generation");
    JsonNode epoch = manifest.get("epoch");
    for (Map.Entry<String, JsonNode> field : List.of(Map.entry("generation", generation == null ? JSON.nullNode() : generation), Map.entry("epoch", epoch == null ? JSON.nullNode() : epoch))) {
      JsonNode value = field.getValue();
      if (!value.isNull() && !(value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0)) {
        throw new IOException(where + ": " + manifest.path("modelId").asText() + " v" + manifest.path("version").asLong() + " has " + field.getKey() + " " + value + ", not an integer ≥ 0");
      }
    }
    if (generation == null || generation.isNull()) return null;
    return new long[] {epoch == null || epoch.isNull() ? 0 : epoch.asLong(), generation.asLong()};
  }

  /** Why `stamp` is older than `held` ("epoch 0, older than epoch 1"), or null when it is not (or either is absent). */
  static String olderThan(long[] stamp, long[] held) {
    if (stamp == null || held == null) return null;
    if (stamp[0] != held[0]) return stamp[0] < held[0] ? "epoch " + stamp[0] + ", older than epoch " + held[0] : null;
    return stamp[1] < held[1] ? "generation " + stamp[1] + ", older than generation " + held[1] : null;
  }

  /**
   * The payload's arrays: `name`, `dtype`, `shape`, `role`, `derived`, and the values in the dtype's list column.
   * A v3 row whose `encoding` is "sparse" holds only the non-zero values, at the positions in `indices`.
   */
  public static Map<String, NamedArray> readArrays(byte[] payload) throws IOException {
    Map<String, NamedArray> arrays = new LinkedHashMap<>();
    try (BufferAllocator allocator = new RootAllocator();
         ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(payload), allocator)) {
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        VarCharVector names = (VarCharVector) root.getVector("name");
        VarCharVector dtypes = (VarCharVector) root.getVector("dtype");
        ListVector shapes = (ListVector) root.getVector("shape"); // null in a v1 payload
        VarCharVector roles = (VarCharVector) root.getVector("role");
        BitVector derived = (BitVector) root.getVector("derived");
        VarCharVector encodings = (VarCharVector) root.getVector("encoding"); // null before v3
        ListVector indices = (ListVector) root.getVector("indices");
        for (int row = 0; row < root.getRowCount(); row++) {
          String name = new String(names.get(row), StandardCharsets.UTF_8);
          String dtype = new String(dtypes.get(row), StandardCharsets.UTF_8);
          FieldVector column = root.getVector(dtype);
          List<?> list = ((ListVector) column).getObject(row);
          double[] values = list.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
          int[] shape = shapes == null ? new int[] {values.length} : shapes.getObject(row).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
          String encoding = encodings == null ? "dense" : new String(encodings.get(row), StandardCharsets.UTF_8);
          if (encoding.equals("sparse")) values = densify(name, Arrays.stream(shape).reduce(1, (a, b) -> a * b), indices.getObject(row), values);
          else if (!encoding.equals("dense")) throw new IOException("array " + name + " has unknown encoding " + encoding);
          String role = roles == null ? name.substring(name.lastIndexOf('/') + 1) : new String(roles.get(row), StandardCharsets.UTF_8);
          arrays.put(name, new NamedArray(dtype, shape, role, derived != null && derived.get(row) == 1, values));
        }
      }
    }
    return arrays;
  }

  static double indexSum(double[] values) {
    double sum = 0;
    for (int i = 0; i < values.length; i++) sum += (i + 1) * values[i];
    return sum;
  }

  /** A sparse row's dense values: zeros, with `values[k]` at `indices[k]` (strictly increasing, in range). */
  static double[] densify(String name, int length, List<?> indices, double[] values) throws IOException {
    if (indices.size() != values.length) throw new IOException("sparse array " + name + " has " + indices.size() + " indices but " + values.length + " values");
    double[] dense = new double[length];
    long previous = -1;
    for (int k = 0; k < values.length; k++) {
      long at = ((Number) indices.get(k)).longValue() & 0xffffffffL;
      if (at <= previous || at >= length) throw new IOException("sparse array " + name + " has index " + at + " at entry " + k);
      dense[(int) at] = values[k];
      previous = at;
    }
    return dense;
  }

  /**
   * `java -cp … dev.streamlearn.reader.CheckpointReader <brokers> <topic> <modelId>`: the manifest and every array's layout,
   * sum, and index-weighted sum (Σ (i + 1) · v[i], which a value at the wrong position changes), as JSON.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: CheckpointReader <brokers> <topic> <modelId>");
      System.exit(2);
    }
    List<String> rejected = new java.util.ArrayList<>();
    Checkpoint checkpoint = readLatest(args[0], args[1], args[2], rejected::add);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("manifest", checkpoint.manifest());
    out.put("rejected", rejected);
    Map<String, Object> arrays = new LinkedHashMap<>();
    checkpoint.arrays().forEach((name, a) -> arrays.put(name, Map.of("dtype", a.dtype(), "shape", a.shape(), "role", a.role(), "derived", a.derived(), "sum", Arrays.stream(a.values()).sum(), "indexSum", indexSum(a.values()))));
    out.put("arrays", arrays);
    System.out.println(JSON.writeValueAsString(out));
  }
}
