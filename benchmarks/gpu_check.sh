#!/usr/bin/env bash
# One GPU check (< 8 min on one GPU): every method ${GPU_CHECK_ITERS:-300} iterations with XLA on/off x bf16 on/off
# (it/s and speed-ups), then IntroGAN on Fashion-MNIST at 5 x 2,000 iterations. JSON: benchmarks/results/gpu_check.json.
# Refuses with one line when TensorFlow sees no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! nvidia-smi -L >/dev/null 2>&1; then echo "gpu_check: no GPU visible (nvidia-smi -L failed); nothing measured" >&2; exit 2; fi
export TF_CPP_MIN_LOG_LEVEL=2
exec python benchmarks/gpu_check.py
