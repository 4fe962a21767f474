"""Datasets (local files only), class orders, scenarios and tf.data pipelines."""
