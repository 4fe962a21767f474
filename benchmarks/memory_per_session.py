"""Resident memory per session of IntroGAN's real session loop, and what grows from session 2 to 5.

    python benchmarks/memory_per_session.py                                # 5 sessions x 30 iterations, MNIST
    python benchmarks/memory_per_session.py --iters 500 --fid_samples_per_class 2000 --dataset fashion-mnist

IntroGAN runs ``experiment.run`` (batch 100, the method's defaults, FID with the shipped domain classifier) with
probes wrapped around the pieces of the loop from the outside (the package is not changed):

* for every piece (``begin_session`` with its replay, ``fit``, ``end_session``, sample grids, evaluation,
  generation metrics, SavedModel export, checkpoints) the resident set (VmRSS) before and after, and its peak
  inside the piece (VmHWM, reset before the piece through /proc/self/clear_refs);
* per session: VmRSS at its start and end, the peak over the session, and what the run itself records
  (``timing.peak_rss_mb``, ru_maxrss); the growth of the peak and of the end-of-session RSS from session 2 to 5;
* at every session end, after the RSS is read: a census of the live Keras models, tf.functions, concrete
  functions, FuncGraphs and tf.data datasets (``gc.collect`` first, so it counts what is still referenced);
* with ``--malloc_trim`` (a diagnostic, not what the package does): glibc's ``malloc_trim(0)`` after every
  session's census, which tells freed-but-kept heap from live memory (``rss_after_malloc_trim_mb``);
* with ``--tracemalloc`` (a diagnostic; it slows Python's allocations): the live memory Python tracks (numpy
  arrays included, TensorFlow's tensors not) at every session end, and the allocation sites whose live memory grew
  most from the end of session 2 to the end of session 5 (``tracemalloc_growth_s2_s5``);
* what the algorithm must hold: the training pool (new-class images, N_rep replay images per old class, the
  exemplars), its uint8 bytes and the replay's share.

Writes JSON (default benchmarks/results/memory_per_session_cpu2.json) and prints a table.
"""

import argparse
import collections
import ctypes
import functools
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from introgan_tf import host_memory  # noqa: E402  (TensorFlow is imported only once its allocator is chosen)

MIB = 1024.0 * 1024.0


def status_mib(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MiB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise KeyError(field)


def reset_peak() -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class Probe:
    """RSS before / after / peak of every wrapped piece, per session, and each session's own peak."""

    def __init__(self):
        self.session = 0
        self.pieces = collections.defaultdict(lambda: collections.defaultdict(list))  # session -> piece -> rows
        self.session_peak = collections.defaultdict(float)
        self.stack = []  # running peaks of the pieces being measured (nested pieces)
        self.can_reset = reset_peak()

    def wrap(self, owner, name, piece):
        original = getattr(owner, name)
        probe = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            before = status_mib("VmRSS")
            if probe.stack:  # a nested piece resets VmHWM: keep the enclosing piece's peak so far
                probe.stack[-1] = max(probe.stack[-1], status_mib("VmHWM"))
            probe.session_peak[probe.session] = max(probe.session_peak[probe.session], status_mib("VmHWM"))
            if probe.can_reset:
                reset_peak()
            probe.stack.append(0.0)
            try:
                return original(*args, **kwargs)
            finally:
                peak = max(probe.stack.pop(), status_mib("VmHWM"))
                after = status_mib("VmRSS")
                probe.pieces[probe.session][piece].append({"before": before, "after": after, "peak": peak})
                probe.session_peak[probe.session] = max(probe.session_peak[probe.session], peak)
                if probe.stack:
                    probe.stack[-1] = max(probe.stack[-1], peak)
        setattr(owner, name, wrapper)


def census() -> dict:
    """Live objects that hold graphs or data (after gc.collect)."""
    import keras  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    gc.collect()
    counts = collections.Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        name = kind.__name__
        if isinstance(obj, keras.Model):
            counts[f"keras.Model:{name}"] += 1
        elif name == "Function" and "polymorphic_function" in kind.__module__:
            counts["tf.function"] += 1
        elif name in ("ConcreteFunction", "AtomicFunction"):
            counts[name] += 1
        elif name == "FuncGraph" or (isinstance(obj, tf.Graph) and name != "Graph"):
            counts["FuncGraph"] += 1
        elif isinstance(obj, tf.data.Dataset):
            counts["tf.data.Dataset"] += 1
        elif isinstance(obj, keras.optimizers.Optimizer):
            counts["keras.Optimizer"] += 1
    return dict(sorted(counts.items()))


def malloc_trim() -> bool:
    """Returns the C heap's free pages to the system (glibc); False elsewhere."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False


def tracemalloc_growth(first, last, top: int = 12) -> list:
    """The allocation sites (file:line, 8 frames deep, innermost first) whose live memory grew most between two
    snapshots."""
    stats = last.compare_to(first, "traceback")
    return [{"growth_mb": stat.size_diff / MIB, "live_mb": stat.size / MIB, "blocks": stat.count,
             "traceback": [f"{frame.filename.split('site-packages/')[-1].replace(REPO + '/', '')}:{frame.lineno}"
                           for frame in reversed(stat.traceback)]}  # tracemalloc lists the oldest frame first
            for stat in stats[:top]]


def instrument(probe: Probe, rows: list, trim: bool = False, snapshots: dict = None):
    """Probes around the loop's pieces; ``rows`` receives one record per finished session."""
    from introgan_tf import experiment  # pylint: disable=import-outside-toplevel
    from introgan_tf.checkpointing import SessionCheckpointer  # pylint: disable=import-outside-toplevel
    from introgan_tf.methods.introgan import method as introgan  # pylint: disable=import-outside-toplevel
    IntroGAN = introgan.IntroGAN  # pylint: disable=invalid-name
    probe.wrap(IntroGAN, "begin_session", "begin_session")
    # Inside begin_session: the replay, the growth (D's embeddings of the new classes), the pool, the new model.
    probe.wrap(introgan, "generate_replay", "replay")
    probe.wrap(IntroGAN, "grown_generator", "growth")
    # Inside the growth: each new class's m(c) (D's embeddings of its images and their votes), the grown G.
    probe.wrap(introgan, "most_confused_class", "growth_votes")
    probe.wrap(introgan, "grow_generator", "growth_copy")
    probe.wrap(introgan, "make_pool", "pool")
    probe.wrap(IntroGAN, "make_model", "make_model")
    probe.wrap(IntroGAN, "end_session", "end_session")
    probe.wrap(experiment.Experiment, "train_session", "fit")
    probe.wrap(experiment.Experiment, "evaluate", "evaluation")
    probe.wrap(experiment.Experiment, "write_samples", "samples")
    probe.wrap(experiment.Experiment, "generation_metrics", "generation_metrics")
    probe.wrap(SessionCheckpointer, "save", "checkpoint")
    probe.wrap(experiment, "export_saved_model", "export")

    run_session = experiment.Experiment.run

    def run(self):
        # The loop is one method; the session boundaries are seen through begin_session and results.write.
        write = self.results.write
        method = self.method

        def begin(session, _original=method.begin_session):
            probe.session = session.index
            start = status_mib("VmRSS")
            probe.session_peak[session.index] = max(start, status_mib("VmHWM"))
            rows.append({"session": session.index, "rss_start_mb": start})
            return _original(session)

        def results_write(*args, **kwargs):
            out = write(*args, **kwargs)
            row = rows[-1] if rows else None
            record = self.results.data["sessions"][-1] if self.results.data.get("sessions") else {}
            timing = record.get("timing", {})
            if (row is not None and record.get("index") == row["session"] and "peak_rss_mb" in timing
                    and "rss_end_mb" not in row):
                row["rss_end_mb"] = status_mib("VmRSS")
                row["peak_mb"] = max(probe.session_peak[row["session"]], status_mib("VmHWM"))
                row["ru_maxrss_mb"] = timing["peak_rss_mb"]
                row["pieces"] = dict(probe.pieces[row["session"]])
                images, labels = method.pool
                counts = np.bincount(labels)
                session = self.sessions[row["session"] - 1]
                replay = 0 if row["session"] == 1 else session.num_old * self.config.replay.replay_per_class
                row["pool"] = {"images": int(len(images)), "mb": images.nbytes / MIB,
                               "replay_images": int(replay), "replay_mb": replay * images[0].nbytes / MIB,
                               "per_class": counts.tolist()}
                row["census"] = census()
                row["rss_after_census_mb"] = status_mib("VmRSS")
                if snapshots is not None:  # diagnostic: what Python (numpy included) still holds
                    snapshot = tracemalloc.take_snapshot()
                    snapshots[row["session"]] = snapshot
                    row["tracemalloc_live_mb"] = sum(stat.size for stat in snapshot.statistics("filename")) / MIB
                if trim:  # diagnostic: how much of the end-of-session RSS is freed heap the allocator kept
                    malloc_trim()
                    row["rss_after_malloc_trim_mb"] = status_mib("VmRSS")
                print(f"[memory] session {row['session']}: start {row['rss_start_mb']:.0f} MiB, end "
                      f"{row['rss_end_mb']:.0f} MiB, peak {row['peak_mb']:.0f} MiB (ru_maxrss "
                      f"{row['ru_maxrss_mb']:.0f}), pool {row['pool']['mb']:.1f} MiB; {row['census']}", flush=True)
            return out
        method.begin_session = begin
        self.results.write = results_write
        return run_session(self)
    experiment.Experiment.run = run
    return experiment


def config_for(args, result_dir):
    from absl import flags  # pylint: disable=import-outside-toplevel
    # Importing the flag modules defines main.py's flags.  pylint: disable=import-outside-toplevel,unused-import
    from flags import (baseline_flags, config_builder, data_flags, eval_flags,  # noqa: F401
                       experiment_flags, gan_memory_flags, growth_flags, introgan_flags, training_flags)
    argv = ["memory", "--dataset", args.dataset, "--method", "introgan", "--data_dir", args.data_dir,
            "--result_dir", result_dir, "--num_sessions", str(args.num_sessions), "--iters", str(args.iters),
            "--test_interval", str(args.test_interval or args.iters),
            "--save_interval", str(args.save_interval or args.iters), "--sample_interval", str(args.iters),
            "--fid_samples_per_class", str(args.fid_samples_per_class), "--seed", str(args.seed)]
    if args.skip_fid:
        argv.append("--skip_fid")
    flags.FLAGS.unparse_flags()
    flags.FLAGS(argv)
    return config_builder.build_config(flags.FLAGS)


def growth(values, first=2, last=5):
    if len(values) < last:
        return None
    return values[last - 1] / values[first - 1] - 1.0


def summarise(rows):
    """Per-piece peak per session and the growth figures."""
    peaks = [row["peak_mb"] for row in rows]
    ends = [row["rss_end_mb"] for row in rows]
    ru = [row["ru_maxrss_mb"] for row in rows]
    pieces = sorted({piece for row in rows for piece in row["pieces"]})
    per_piece = {piece: [max((v["peak"] for v in row["pieces"].get(piece, [])), default=None) for row in rows]
                 for piece in pieces}
    retained = {piece: [sum(v["after"] - v["before"] for v in row["pieces"].get(piece, [])) for row in rows]
                for piece in pieces}
    return {"peak_mb": peaks, "rss_end_mb": ends, "ru_maxrss_mb": ru,
            "peak_growth_s2_s5": growth(peaks), "rss_end_growth_s2_s5": growth(ends),
            "ru_maxrss_growth_s2_s5": growth(ru),
            "pool_mb": [row["pool"]["mb"] for row in rows], "replay_mb": [row["pool"]["replay_mb"] for row in rows],
            "piece_peak_mb": per_piece, "piece_retained_mb": retained}


def table(summary):
    sessions = len(summary["peak_mb"])
    head = ["", *[f"s{i + 1}" for i in range(sessions)]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def line(name, values):
        lines.append("| " + " | ".join([name] + ["" if v is None else f"{v:.0f}" for v in values]) + " |")
    line("peak RSS (MiB)", summary["peak_mb"])
    line("ru_maxrss (results.json)", summary["ru_maxrss_mb"])
    line("RSS at session end", summary["rss_end_mb"])
    line("training pool (uint8)", summary["pool_mb"])
    for piece, values in summary["piece_peak_mb"].items():
        line(f"peak in {piece}", values)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion-mnist"))
    parser.add_argument("--data_dir", default=None, help="default: ../shared/data/<dataset> beside the repository")
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--num_sessions", type=int, default=5)
    parser.add_argument("--test_interval", type=int, default=None, help="default: --iters")
    parser.add_argument("--save_interval", type=int, default=None, help="default: --iters")
    parser.add_argument("--fid_samples_per_class", type=int, default=200)
    parser.add_argument("--skip_fid", action="store_true")
    parser.add_argument("--seed", type=int, default=1993)
    parser.add_argument("--malloc_trim", action="store_true",
                        help="diagnostic: glibc malloc_trim(0) at every session end (after the census)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="diagnostic: Python-tracked live memory (numpy included) per session end, and the "
                             "allocation sites that grew most from session 2 to 5")
    parser.add_argument("--host_allocator", default=host_memory.DEFAULT, choices=host_memory.CHOICES,
                        help="main.py's --host_allocator (default: main.py's default)")
    parser.add_argument("--keep", default=None, help="keep the run's result_dir here (default: a deleted temp dir)")
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "results", "memory_per_session_cpu2.json"))
    args = parser.parse_args()
    host_applied = host_memory.apply(args.host_allocator)  # as main.py does, before TensorFlow starts
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    if args.data_dir is None:
        args.data_dir = os.path.join(os.path.dirname(REPO), "shared", "data", args.dataset)
    probe = Probe()
    rows = []
    snapshots = {} if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.start(8)
    experiment = instrument(probe, rows, trim=args.malloc_trim, snapshots=snapshots)
    work = args.keep or tempfile.mkdtemp(prefix="memory_per_session_")
    result_dir = os.path.join(work, "run") if not args.keep else args.keep
    config = config_for(args, result_dir)
    started = time.time()
    results = experiment.run(config)
    summary = summarise(rows)
    out = {"settings": {k: v for k, v in vars(args).items() if k not in ("out", "keep")},
           # the allocator settings of this process (glibc's MALLOC_* tunables, TensorFlow's oneDNN allocator
           # switch), which change what RSS keeps
           "malloc_env": {k: v for k, v in sorted(os.environ.items())
                          if k.startswith(("MALLOC_", "GLIBC_TUNABLES", "TF_ONEDNN_USE_SYSTEM_ALLOCATOR"))},
           "host_allocator_applied": host_applied, "host_allocator_in_effect": host_memory.in_effect(),
           "cpu_count": os.cpu_count(), "gpu": bool(tf.config.list_physical_devices("GPU")),
           "peak_reset_available": probe.can_reset, "wall_seconds": time.time() - started,
           "ta_acc": results.get("ta_acc"), "summary": summary, "sessions": rows}
    if snapshots and 2 in snapshots and 5 in snapshots:
        out["tracemalloc_growth_s2_s5"] = tracemalloc_growth(snapshots[2], snapshots[5])
        for site in out["tracemalloc_growth_s2_s5"][:6]:
            print(f"[memory] tracemalloc {site['growth_mb']:+.1f} MiB (live {site['live_mb']:.1f}): "
                  f"{' <- '.join(site['traceback'][:4])}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(out, handle, indent=1)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(table(summary))
    for key in ("peak_growth_s2_s5", "rss_end_growth_s2_s5", "ru_maxrss_growth_s2_s5"):
        if summary[key] is not None:
            print(f"{key}: {100 * summary[key]:+.1f} %")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
