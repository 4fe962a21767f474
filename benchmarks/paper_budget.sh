#!/usr/bin/env bash
# The paper's budget on one GPU: IntroGAN, 5 sessions x 10,000 iterations (the flag defaults), MNIST and
# Fashion-MNIST, class order 1, seed 1993, XLA on, FID with 10,000 samples per class; then the report and a JSON
# summary in benchmarks/results/paper_budget_<dataset>.json.  Resumable: run it again after an interruption.
#
#   bash benchmarks/paper_budget.sh [DATA_ROOT]       # DATA_ROOT holds mnist/ and fashion-mnist/ (IDX .gz files)
#
# Needs TensorFlow with a visible GPU (pip install -e ".[gpu]"); on a CPU it refuses rather than run for days.
# Roughly 2 x 5 x 10,000 iterations; on the 2-core CPU of our CI the same would take about 7 hours per dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_ROOT="${1:-${INTROGAN_DATA_DIR:-../shared/data}}"
OUT=benchmarks/out/paper_budget
mkdir -p "$OUT" benchmarks/results
python - <<'PY' || { echo "error: no GPU visible to TensorFlow; this script is for a GPU machine" >&2; exit 2; }
import tensorflow as tf
raise SystemExit(0 if tf.config.list_physical_devices("GPU") else 1)
PY
for dataset in mnist fashion-mnist; do
  dir="$OUT/introgan_$dataset"
  resume=()
  if [ -f "$dir/results.json" ]; then resume=(--resume); fi
  start=$(date +%s)
  python main.py --dataset "$dataset" --method introgan --data_dir "$DATA_ROOT/$dataset" --result_dir "$dir" \
    --jit_compile true --fid_samples_per_class 10000 --gen_eval_interval 2000 "${resume[@]}"
  end=$(date +%s)
  python - "$dir" "$dataset" "$((end - start))" <<'PY'
import json, sys
run_dir, dataset, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
results = json.load(open(f"{run_dir}/results.json"))
summary = {"dataset": dataset, "iters": results["iters"], "ta_acc": results["ta_acc"], "ta_fid": results.get("ta_fid"),
           "end_of_session_accuracy": results["end_of_session_accuracy"],
           "generated_accuracy": [s.get("generated_accuracy_mean") for s in results["sessions"]],
           "fid_mean": [s.get("fid_mean") for s in results["sessions"]],
           "wall_seconds_of_this_call": seconds,
           "training_seconds": sum((s.get("timing") or {}).get("training_seconds", 0) for s in results["sessions"])}
json.dump(summary, open(f"benchmarks/results/paper_budget_{dataset}.json", "w"), indent=1)
print(json.dumps(summary, indent=1))
PY
done
python -m introgan_tf.report "$OUT"/introgan_mnist "$OUT"/introgan_fashion-mnist --out "$OUT/report"
