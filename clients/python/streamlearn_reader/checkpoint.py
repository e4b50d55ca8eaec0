"""Decoding one checkpoint: the envelope, the manifest, the SHA-256 check and the Arrow payload."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

MAGIC = b"SLCK"
HEADER_BYTES = 9
READABLE_FORMATS = ("streamlearn.checkpoint/v1", "streamlearn.checkpoint/v2", "streamlearn.checkpoint/v3")


class CheckpointError(Exception):
    """A record that is not a usable checkpoint; the message says what and where."""


@dataclass
class ArrayInfo:
    dtype: str
    shape: tuple
    role: str
    derived: bool
    #: How the payload stored it: "dense", or "sparse" (v3: non-zero entries only, with their indices).
    encoding: str = "dense"


@dataclass
class Checkpoint:
    manifest: dict
    #: Every array of the payload, reshaped to its recorded shape (v1 payloads: flat).
    arrays: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.manifest["model"]["kind"]

    @property
    def config(self) -> dict:
        return self.manifest["model"]["config"]

    @property
    def version(self) -> int:
        return self.manifest["version"]


def decode_envelope(value: bytes, where: str) -> tuple[dict, bytes]:
    """The manifest and the inline payload (empty when the payload is chunked)."""
    if len(value) < HEADER_BYTES or value[:4] != MAGIC:
        raise CheckpointError(f"{where}: not a streamlearn checkpoint (bad magic)")
    if value[4] != 1:
        raise CheckpointError(f"{where}: envelope version {value[4]} is not supported")
    length = int.from_bytes(value[5:9], "big")
    if HEADER_BYTES + length > len(value):
        raise CheckpointError(f"{where}: manifest length {length} runs past the record")
    try:
        manifest = json.loads(value[HEADER_BYTES:HEADER_BYTES + length].decode("utf-8"))
    except ValueError as err:
        raise CheckpointError(f"{where}: manifest is not valid JSON ({err})") from err
    if manifest.get("format") not in READABLE_FORMATS:
        raise CheckpointError(f"{where}: format {manifest.get('format')!r} is not one of {', '.join(READABLE_FORMATS)}")
    return manifest, bytes(value[HEADER_BYTES + length:])


def open_checkpoint(manifest: dict, payload: bytes) -> Checkpoint:
    """Verifies size and SHA-256, then reads the arrays; a mismatch is refused, never half-loaded."""
    where = f"checkpoint {manifest.get('modelId')} v{manifest.get('version')}"
    if len(payload) != manifest["payloadBytes"]:
        raise CheckpointError(f"{where}: payload is {len(payload)} bytes, manifest says {manifest['payloadBytes']}")
    actual = hashlib.sha256(payload).hexdigest()
    if actual != manifest["payloadSha256"]:
        raise CheckpointError(f"{where}: payload SHA-256 {actual} does not match manifest {manifest['payloadSha256']}")
    checkpoint = Checkpoint(manifest=manifest)
    table = pa.ipc.open_stream(payload).read_all()
    names = table.column("name").to_pylist()
    dtypes = table.column("dtype").to_pylist()
    columns = set(table.column_names)
    shapes = table.column("shape").to_pylist() if "shape" in columns else [None] * len(names)
    roles = table.column("role").to_pylist() if "role" in columns else [None] * len(names)
    derived = table.column("derived").to_pylist() if "derived" in columns else [False] * len(names)
    encodings = table.column("encoding").to_pylist() if "encoding" in columns else ["dense"] * len(names)
    for row, name in enumerate(names):
        dtype = dtypes[row]
        if dtype not in columns:
            raise CheckpointError(f"{where}: array {name!r} has unknown dtype {dtype!r}")
        values = table.column(dtype)[row].values.to_numpy(zero_copy_only=False).astype(dtype, copy=False)
        shape = tuple(shapes[row]) if shapes[row] is not None else (len(values),)
        if encodings[row] == "sparse":
            values = _densify(f"{where}: array {name!r}", int(np.prod(shape)), table.column("indices")[row].values.to_numpy(zero_copy_only=False), values)
        elif encodings[row] != "dense":
            raise CheckpointError(f"{where}: array {name!r} has unknown encoding {encodings[row]!r}")
        if int(np.prod(shape)) != len(values):
            raise CheckpointError(f"{where}: array {name!r} has {len(values)} values, its shape {list(shape)} says otherwise")
        role = roles[row] if roles[row] is not None else name.rsplit("/", 1)[-1]
        checkpoint.arrays[name] = values.reshape(shape)
        checkpoint.layout[name] = ArrayInfo(dtype=dtype, shape=shape, role=role, derived=bool(derived[row]), encoding=encodings[row])
    return checkpoint


def _densify(what: str, length: int, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A sparse row's dense array: zeros, with `values` at `indices` (strictly increasing, in range)."""
    if len(indices) != len(values):
        raise CheckpointError(f"{what} has {len(indices)} indices but {len(values)} values")
    if len(indices) and (indices[-1] >= length or np.any(np.diff(indices.astype(np.int64)) <= 0)):
        raise CheckpointError(f"{what} has sparse indices out of order or past its length {length}")
    dense = np.zeros(length, dtype=values.dtype)
    dense[indices] = values
    return dense
