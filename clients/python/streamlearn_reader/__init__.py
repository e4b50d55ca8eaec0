"""Reads streamlearn model checkpoints from a Kafka model topic and predicts with numpy.

    from streamlearn_reader import read_checkpoint, load_model
    checkpoint = read_checkpoint("localhost:9092", "regression-sgd.models", "regression-sgd")
    checkpoint.manifest, checkpoint.arrays["model/weights"].shape, checkpoint.layout["model/weights"].role
    model = load_model(checkpoint)
    model.predict_one({"x0": 0.1, ...})
"""
from .checkpoint import ArrayInfo, Checkpoint, CheckpointError, decode_envelope, open_checkpoint
from .models import load_model
from .topic import Assembler, read_checkpoint, read_latest

__all__ = ["ArrayInfo", "Assembler", "Checkpoint", "CheckpointError", "decode_envelope", "load_model",
           "open_checkpoint", "read_checkpoint", "read_latest"]
