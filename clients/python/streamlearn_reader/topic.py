"""Reading a model topic: chunks held until their manifest, tombstones, the newest version per model id."""
from __future__ import annotations

import re
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from .checkpoint import Checkpoint, CheckpointError, decode_envelope, open_checkpoint


VERSION_KEY = re.compile(r"^(.*)@v([1-9][0-9]*)$")


def parse_manifest_key(key: str) -> tuple[str, int | None]:
    """The model id a manifest record's key names, and the version for a versioned key `<modelId>@v<n>`."""
    match = VERSION_KEY.match(key)
    return (match.group(1), int(match.group(2))) if match else (key, None)


def mix_stamp(manifest: dict, where: str) -> tuple[int, int] | None:
    """A merged version's (epoch, generation), compared as a tuple; None for a version no mixer wrote."""
    generation, epoch = manifest.get("generation"), manifest.get("epoch", 0)
    for name, value in (("generation", generation), ("epoch", epoch)):
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise CheckpointError(f"{where}: {manifest.get('modelId')} v{manifest.get('version')} has {name} {value!r}, not an integer ≥ 0")
    return None if generation is None else (epoch, generation)


class Assembler:
    """Feeds model-topic records in offset order; returns a checkpoint whenever a manifest completes one.

    A manifest lives under its model id, and (when the publisher keeps versions) under `<modelId>@v<n>`
    too. One that names another model or version than its key is refused; a version at or below the
    newest accepted one of its model is passed over unopened (a second copy, a replay). A version merged
    by a mixer carries (epoch, generation); one older than the newest accepted of its model is refused: a
    lower epoch, or a lower generation within the same epoch (generations restart after a group reset, and
    a new epoch starts with them; docs/scale-out.md).
    """

    def __init__(self, model_id: str | None = None):
        self.model_id = model_id
        self.chunks: dict[str, bytes] = {}
        self.newest: dict[str, int] = {}
        self.newest_stamp: dict[str, tuple[int, int]] = {}

    def push(self, key: str | None, value: bytes | None, where: str) -> Checkpoint | None:
        if key is None:
            return None
        if value is None:  # a tombstone: that key's chunk (or old version) is gone
            self.chunks.pop(key, None)
            return None
        if "/chunk/" in key:
            if self.model_id is None or key.startswith(self.model_id + "/"):
                self.chunks[key] = value
            return None
        key_model, key_version = parse_manifest_key(key)
        if self.model_id is not None and key_model != self.model_id:
            return None
        manifest, inline = decode_envelope(value, where)
        if manifest.get("modelId") != key_model or (key_version is not None and manifest.get("version") != key_version):
            raise CheckpointError(f"{where}: key {key!r} names another model or version than its manifest "
                                  f"({manifest.get('modelId')} v{manifest.get('version')})")
        if manifest["version"] <= self.newest.get(key_model, 0):
            return None
        stamp = mix_stamp(manifest, where)
        held = self.newest_stamp.get(key_model)
        if stamp is not None and held is not None and stamp < held:
            older = (f"epoch {stamp[0]}, older than epoch {held[0]}" if stamp[0] < held[0]
                     else f"generation {stamp[1]}, older than generation {held[1]}")
            raise CheckpointError(f"{where}: {key_model} v{manifest['version']} comes from {older} already accepted")
        checkpoint = self._open(manifest, inline, where)
        self.newest[key_model] = checkpoint.version
        if stamp is not None:
            self.newest_stamp[key_model] = stamp
        return checkpoint

    def _open(self, manifest: dict, inline: bytes, where: str) -> Checkpoint:
        chunks = manifest.get("chunks")
        if not chunks:
            return open_checkpoint(manifest, inline)
        parts = []
        for i in range(chunks["count"]):
            part = self.chunks.get(f"{chunks['keyPrefix']}{i}")
            if part is None:
                raise CheckpointError(f"{where}: chunk {i} of {chunks['count']} for {manifest['modelId']} v{manifest['version']} is missing")
            parts.append(part)
        return open_checkpoint(manifest, b"".join(parts))


def _consumer(brokers: str, config: dict | None) -> Consumer:
    settings = {
        "bootstrap.servers": brokers,
        "group.id": f"streamlearn-reader-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    }
    settings.update(config or {})
    return Consumer(settings)


def read_latest(brokers: str, topic: str, model_id: str | None = None, *, timeout: float = 30.0,
                config: dict | None = None, on_rejected=None) -> dict[str, Checkpoint]:
    """The newest verified checkpoint of every model id (or of `model_id`) on the topic, read to its end.

    `config` adds librdkafka settings (security.protocol, sasl.*, ssl.*). A checkpoint that fails
    verification is skipped and reported to `on_rejected(reason)`; versions only move forward.
    """
    consumer = _consumer(brokers, config)
    try:
        metadata = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise CheckpointError(f"model topic {topic!r} not found on {brokers}")
        pending = {}
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)
            if high > low:
                pending[partition] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in pending])
        assemblers: dict[int, Assembler] = {p: Assembler(model_id) for p in pending}
        latest: dict[str, Checkpoint] = {}
        while pending:
            message = consumer.poll(timeout)
            if message is None:
                raise CheckpointError(f"model topic {topic!r}: no record within {timeout} s before the end of partitions {sorted(pending)}")
            partition = message.partition()
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    pending.pop(partition, None)
                    continue
                raise CheckpointError(f"model topic {topic!r}/{partition}: {message.error()}")
            key = message.key().decode("utf-8") if message.key() is not None else None
            where = f"{topic}/{partition}@{message.offset()}"
            try:
                checkpoint = assemblers[partition].push(key, message.value(), where)
            except CheckpointError as err:
                if on_rejected is not None:
                    on_rejected(str(err))
                checkpoint = None
            if checkpoint is not None:
                current = latest.get(checkpoint.manifest["modelId"])
                if current is None or current.version < checkpoint.version:
                    latest[checkpoint.manifest["modelId"]] = checkpoint
            if message.offset() + 1 >= pending.get(partition, 0):
                pending.pop(partition, None)
        return latest
    finally:
        consumer.close()


def read_checkpoint(brokers: str, topic: str, model_id: str, **options) -> Checkpoint:
    """The newest verified checkpoint of one model id; raises when the topic holds none."""
    latest = read_latest(brokers, topic, model_id, **options)
    if model_id not in latest:
        raise CheckpointError(f"model topic {topic!r} holds no verified checkpoint of {model_id!r}")
    return latest[model_id]
