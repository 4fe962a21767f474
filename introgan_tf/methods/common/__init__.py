"""Pieces several methods share, used by composition: the per-session Keras model base, trace-once batched
inference, pool replay, growth by copy, frozen copies."""
