#!/usr/bin/env bash
# GAN Memory's protocol (docs/methods.md#gan_memory): a source GAN pretrained on Fashion-MNIST, then the 5 tasks
# of split MNIST (2 classes each, class order 1, seed 1993) modulating it; then the report.  Resumable: run it
# again after an interruption.
#
#   bash benchmarks/gan_memory.sh cpu [DATA_ROOT]   # width 16, source 400 iterations, 150 + 100 per task: ~10 min
#   bash benchmarks/gan_memory.sh gpu [DATA_ROOT]   # width 64, source 100,000, 60,000 + 667 per task (a GPU)
#
# DATA_ROOT holds mnist/ and fashion-mnist/ (IDX .gz files).  The gpu budget refuses to start without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET="${1:-cpu}"
DATA_ROOT="${2:-${INTROGAN_DATA_DIR:-../shared/data}}"
OUT="benchmarks/out/gan_memory_$BUDGET"
case "$BUDGET" in
  cpu)
    SOURCE=(--gan_memory_width 16 --iters 400 --test_interval 400 --save_interval 400 --sample_interval 400
            --fid_samples_per_class 500)
    TASKS=(--gan_memory_width 16 --gm_gan_iterations 150 --gm_classifier_iterations 100 --test_interval 50
           --save_interval 250 --sample_interval 250 --fid_samples_per_class 500) ;;
  gpu)
    python - <<'PY' || { echo "error: no GPU visible to TensorFlow; the gpu budget is for a GPU machine" >&2; exit 2; }
import tensorflow as tf
raise SystemExit(0 if tf.config.list_physical_devices("GPU") else 1)
PY
    SOURCE=(--jit_compile true --save_interval 5000 --sample_interval 5000 --test_interval 100000)
    TASKS=(--jit_compile true --test_interval 50 --save_interval 5000 --sample_interval 5000
           --gen_eval_interval 5000 --fid_samples_per_class 8000) ;;
  *) echo "error: budget $BUDGET: expected cpu or gpu" >&2; exit 2 ;;
esac
run() {  # run DIR FLAGS...: resumes an incomplete run, keeps a complete one
  local dir="$1"; shift
  if [ -f "$dir/results.json" ]; then
    if python -c "import json,sys; sys.exit(0 if json.load(open('$dir/results.json')).get('complete') else 1)"; then
      echo "[gan_memory] $dir: complete, kept"; return; fi
    set -- "$@" --resume
  fi
  python main.py --result_dir "$dir" "$@"
}
run "$OUT/source" --dataset fashion-mnist --method gan_memory_source --data_dir "$DATA_ROOT/fashion-mnist" "${SOURCE[@]}"
run "$OUT/memory" --dataset mnist --method gan_memory --data_dir "$DATA_ROOT/mnist" --source_checkpoint "$OUT/source" \
  "${TASKS[@]}"
python -m introgan_tf.report "$OUT/memory" "$OUT/source" --out "$OUT/report"
