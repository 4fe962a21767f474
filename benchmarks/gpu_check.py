"""GPU check (issue 12): every method a few hundred iterations with XLA on/off x bf16 on/off, then a
5 x 2,000-iteration IntroGAN Fashion-MNIST run; it/s and speed-ups printed, JSON under benchmarks/results/.

    bash benchmarks/gpu_check.sh            # refuses with one line when no GPU is visible

Speeds are the runs' own steady iterations per second (results.json timing, evaluation excluded).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

METHODS = ("introgan", "mergan_ig", "mergan", "dgr", "dgr_ig", "acgan", "lower_bound", "upper_bound")
ITERS = int(os.environ.get("GPU_CHECK_ITERS", "300"))


def gpu_visible() -> bool:
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    return bool(tf.config.list_physical_devices("GPU"))


def run(method, dataset, iters, sessions, jit, precision, data_dir):
    result_dir = tempfile.mkdtemp(prefix=f"gpu_check_{method}_")
    command = [sys.executable, "main.py", f"--method={method}", f"--dataset={dataset}", f"--iters={iters}",
               f"--num_sessions={sessions}", f"--jit_compile={jit}", f"--mixed_precision={precision}",
               f"--result_dir={result_dir}", "--skip_fid", f"--test_interval={iters}", f"--save_interval={iters}",
               f"--sample_interval={iters}", "--fid_samples_per_class=100"] + (
                   [f"--data_dir={data_dir}"] if data_dir else [])
    started = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(result_dir, "results.json")) as handle:
        data = json.load(handle)
    speeds = [s.get("timing", {}).get("steady_iterations_per_second") for s in data["sessions"]]
    return {"method": method, "dataset": dataset, "iters": iters, "sessions": sessions, "jit_compile": jit,
            "mixed_precision": precision, "it_per_s": speeds[0], "wall_s": time.time() - started,
            "ta_acc": data.get("ta_acc"), "result_dir": result_dir}


def main():
    if not gpu_visible():
        print("gpu_check: no GPU visible to TensorFlow; nothing measured", file=sys.stderr)
        return 2
    data_dir = os.environ.get("GPU_CHECK_DATA_DIR")
    rows = []
    for method in METHODS:
        for jit in ("false", "true"):
            for precision in ("off", "bf16"):
                row = run(method, "mnist", ITERS, 1, jit, precision, data_dir)
                rows.append(row)
                print(f"{method:12s} xla={jit:5s} {precision:4s} {row['it_per_s'] or float('nan'):8.2f} it/s",
                      flush=True)
        base = next(r for r in rows if r["method"] == method and r["jit_compile"] == "false"
                    and r["mixed_precision"] == "off")["it_per_s"]
        for row in rows:
            if row["method"] == method and base and row["it_per_s"]:
                row["speedup"] = row["it_per_s"] / base
        print(f"{method:12s} speed-ups over fp32 without XLA: "
              + ", ".join(f"xla={r['jit_compile']} {r['mixed_precision']}: {r.get('speedup', float('nan')):.2f}x"
                          for r in rows if r["method"] == method), flush=True)
    long_run = run("introgan", "fashion-mnist", 2000, 5, "true", "bf16", data_dir)
    print(f"introgan fashion-mnist 5 x 2000 (XLA, bf16): {long_run['wall_s']:.0f} s, TA-ACC {long_run['ta_acc']}")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "gpu_check.json")
    with open(out, "w") as handle:
        json.dump({"rows": rows, "long_run": long_run}, handle, indent=2)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
