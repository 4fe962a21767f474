"""Compares finished (or partial) runs: plots and a markdown table.

Usage::

    python -m introgan_tf.report RESULT_DIR [RESULT_DIR ...] --out DIR

Reads ``RESULT_DIR/results.json`` of each run (any mix of methods) and writes
to ``DIR``:

* ``accuracy.png``: accuracy on all seen classes over the global iteration
  (session - 1) * iters + iteration, one line per run;
* ``generated_accuracy.png``: the accuracy on generated samples over the same axis (points of
  ``--gen_eval_interval`` and every session end), if some run has it;
* ``fid_per_class.png``: per-class FID after each run's last session, grouped
  bars by original label, one bar per run (only if some run has FID);
* ``samples/<run>/session_<s>.png``: copies of the runs' sample grids;
* ``report.md``: a table with TA-ACC, final accuracy, forgetting, TA-FID
  (docs/evaluation.md) and the accuracy on generated samples (MeRGAN,
  Wu et al. 2018) of the last session; missing values show "—".

FID numbers from different extractors are not comparable; the table names
each run's extractor.
"""

import argparse
import math
import os
import re
import shutil
import sys
from typing import List, Optional, Sequence

from introgan_tf.errors import InputError
from introgan_tf.results import read_results
from introgan_tf.evaluation import continual_metrics

MISSING = "—"
RESULTS_FILE = "results.json"


def load_results(run_dir: str) -> dict:
    """Reads ``run_dir/results.json``.

    Raises:
      InputError: one line naming the file if it is missing, not JSON, or
        lacks a ``sessions`` list.
    """
    path = os.path.join(run_dir, RESULTS_FILE)
    results = read_results(path)
    for session in results["sessions"]:
        if not isinstance(session, dict) or "index" not in session:
            raise InputError(f"{path}: every session needs an 'index'")
    return results


def _number(value) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _fmt(value: Optional[float], percent: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{100 * value:.2f}" if percent else f"{value:.2f}"


def _iters(results: dict) -> Optional[int]:
    iters = results.get("iters") or (results.get("config") or {}).get("train", {}).get("iters")
    return int(iters) if _number(iters) else None


def _last_session(results: dict) -> dict:
    sessions = sorted(results["sessions"], key=lambda s: int(s["index"]))
    return sessions[-1] if sessions else {}


def method_label(results: dict) -> str:
    """The method name plus the variant that matters for comparisons (MeRGAN mode, DGR replay, AC-GAN joint)."""
    method = str(results.get("method", MISSING))
    baseline = (results.get("config") or {}).get("baseline") or {}
    experiment = (results.get("config") or {}).get("experiment", "class-incremental")
    variant = {"mergan": baseline.get("mergan_mode"), "dgr": baseline.get("replay_mode"),
               "acgan": ("joint" if baseline.get("joint") else "sequential") if "joint" in baseline else None
               }.get(method)
    label = f"{method} ({variant})" if variant else method
    return label if experiment == "class-incremental" else f"{label} [{experiment}]"


def _training_minutes(sessions) -> Optional[float]:
    seconds = [_number((s.get("timing") or {}).get("training_seconds")) for s in sessions]
    return sum(seconds) / 60 if seconds and None not in seconds else None


def summarize(run_dir: str, results: dict) -> dict:
    """The table row of one run (strings), keyed by column name."""
    sessions = results["sessions"]
    last = _last_session(results)
    final = _number(last.get("accuracy"))
    if final is None and last.get("evaluations"):
        final = _number(last["evaluations"][-1].get("accuracy"))
    ta_fid = _number(results.get("ta_fid"))
    forgetting = _number(results.get("forgetting"))
    try:
        if ta_fid is None and _number(results.get("nb_cl")):
            ta_fid = continual_metrics.ta_fid_from_sessions(sessions, int(results["nb_cl"]))
        if forgetting is None:
            forgetting = continual_metrics.forgetting(sessions)
    except (ValueError, KeyError, TypeError):
        pass  # A partial or odd run still gets a row; the value shows as missing.
    status = "" if results.get("complete", True) else " (incomplete)"
    extractor = last.get("fid_extractor")
    return {
        "run": run_dir,
        "method": method_label(results),
        "dataset": str(results.get("dataset", MISSING)),
        "order": str(results.get("order_idx", MISSING)),
        "sessions": f"{len(sessions)}{status}",
        "iters": str(_iters(results) or MISSING),
        "TA-ACC (%)": _fmt(_number(results.get("ta_acc")), percent=True),
        "final acc. (%)": _fmt(final, percent=True),
        "forgetting (%)": _fmt(forgetting, percent=True),
        "TA-FID": _fmt(ta_fid),
        "FID extractor": str(extractor) if extractor else MISSING,
        "gen. acc. (%)": _fmt(_number(last.get("generated_accuracy_mean")), percent=True),
        "train min": _fmt(_training_minutes(sessions)),
    }


def markdown_table(rows: List[dict]) -> str:
    """A GitHub markdown table of :func:`summarize` rows."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # Files only; never needs a display.
    import matplotlib.pyplot as plt
    return plt


def plot_accuracy(runs: Sequence[tuple], path: str) -> bool:
    """Accuracy over global iterations, one line per run; False if nothing to plot."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    plotted = False
    for name, results in runs:
        iters = _iters(results)
        xs, ys, offset = [], [], 0
        for session in sorted(results["sessions"], key=lambda s: int(s["index"])):
            evaluations = session.get("evaluations") or []
            if iters is not None:
                offset = (int(session["index"]) - 1) * iters
            for evaluation in evaluations:
                accuracy = _number(evaluation.get("accuracy"))
                iteration = _number(evaluation.get("iteration"))
                if accuracy is not None and iteration is not None:
                    xs.append(offset + iteration)
                    ys.append(100 * accuracy)
            if iters is None and evaluations:
                offset += max(_number(e.get("iteration")) or 0 for e in evaluations)
        if xs:
            ax.plot(xs, ys, marker=".", label=name)
            plotted = True
    if plotted:
        ax.set_xlabel("global iteration")
        ax.set_ylabel("accuracy on seen classes (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    plt.close(fig)
    return plotted


def generation_points(results: dict) -> tuple:
    """(global iterations, generated accuracy in %) of a run: --gen_eval_interval points and session ends."""
    iters = _iters(results)
    xs, ys = [], []
    for session in sorted(results["sessions"], key=lambda s: int(s["index"])):
        offset = (int(session["index"]) - 1) * (iters or 0)
        points = [(e.get("iteration"), e.get("generated_accuracy_mean"))
                  for e in session.get("generation_evaluations") or []]
        points.append((iters, session.get("generated_accuracy_mean")))
        for iteration, value in points:
            if _number(iteration) is not None and _number(value) is not None:
                xs.append(offset + iteration)
                ys.append(100 * value)
    return xs, ys


def plot_generated_accuracy(runs: Sequence[tuple], path: str) -> bool:
    """The domain classifier's accuracy on generated samples over global iterations; False if no run has it."""
    curves = [(name, generation_points(results)) for name, results in runs]
    curves = [(name, (xs, ys)) for name, (xs, ys) in curves if xs]
    if not curves:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, (xs, ys) in curves:
        ax.plot(xs, ys, marker=".", label=name)
    ax.set_xlabel("global iteration")
    ax.set_ylabel("accuracy on generated samples (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def plot_fid(runs: Sequence[tuple], path: str) -> bool:
    """Per-class FID after the last session, grouped bars; False if no run has FID."""
    with_fid = [(name, _last_session(results).get("fid")) for name, results in runs]
    with_fid = [(name, fids) for name, fids in with_fid if isinstance(fids, dict) and fids]
    if not with_fid:
        return False
    plt = _pyplot()
    labels = sorted({int(label) for _, fids in with_fid for label in fids})
    width = 0.8 / len(with_fid)
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.8), 4.5))
    for index, (name, fids) in enumerate(with_fid):
        positions = [i + (index - (len(with_fid) - 1) / 2) * width for i, label in enumerate(labels)
                     if str(label) in fids]
        values = [float(fids[str(label)]) for label in labels if str(label) in fids]
        ax.bar(positions, values, width=width, label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([str(label) for label in labels])
    ax.set_xlabel("original class label")
    ax.set_ylabel("FID after the last session")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _safe_name(run_dir: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.normpath(run_dir).strip("/")) or "run"


def copy_sample_grids(run_dir: str, out_dir: str) -> List[str]:
    """Copies ``run_dir/samples/session_<s>.png`` to ``out_dir/samples/<run>/``; returns paths relative to out_dir."""
    source = os.path.join(run_dir, "samples")
    if not os.path.isdir(source):
        return []
    found = [f for f in os.listdir(source) if re.fullmatch(r"session_\d+\.png", f)]
    copied = []
    for name in sorted(found, key=lambda f: int(re.findall(r"\d+", f)[0])):
        relative = os.path.join("samples", _safe_name(run_dir), name)
        os.makedirs(os.path.join(out_dir, os.path.dirname(relative)), exist_ok=True)
        shutil.copyfile(os.path.join(source, name), os.path.join(out_dir, relative))
        copied.append(relative)
    return copied


def write_report(run_dirs: Sequence[str], out_dir: str) -> str:
    """Writes the plots and ``report.md`` for ``run_dirs``; returns the report path.

    Raises:
      InputError: if a run's ``results.json`` is missing or invalid.
    """
    runs = [(run_dir, load_results(run_dir)) for run_dir in run_dirs]
    os.makedirs(out_dir, exist_ok=True)
    lines = ["# Results report", "", markdown_table([summarize(name, results) for name, results in runs]), "",
             "Accuracies in percent (balanced; see docs/evaluation.md of introgan_tf for TA-ACC and TA-FID); "
             "gen. acc. = domain-classifier accuracy on generated samples after the last session "
             "(MeRGAN, Wu et al. 2018). FID values from different extractors are not comparable.", ""]
    if plot_accuracy(runs, os.path.join(out_dir, "accuracy.png")):
        lines += ["## Accuracy over iterations", "", "![accuracy](accuracy.png)", ""]
    if plot_generated_accuracy(runs, os.path.join(out_dir, "generated_accuracy.png")):
        lines += ["## Accuracy on generated samples over iterations", "", "![generated accuracy](generated_accuracy.png)",
                  ""]
    if plot_fid(runs, os.path.join(out_dir, "fid_per_class.png")):
        lines += ["## Per-class FID after the last session", "", "![per-class FID](fid_per_class.png)", ""]
    sample_lines = []
    for name, _ in runs:
        for relative in copy_sample_grids(name, out_dir):
            sample_lines.append(f"* {name}, {os.path.splitext(os.path.basename(relative))[0]}: "
                                f"![{relative}]({relative})")
    if sample_lines:
        lines += ["## Sample grids", ""] + sample_lines + [""]
    path = os.path.join(out_dir, "report.md")
    with open(path, "w") as handle:
        handle.write("\n".join(lines))
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("result_dirs", nargs="+", metavar="RESULT_DIR", help="run directories with results.json")
    parser.add_argument("--out", required=True, help="output directory for report.md and the plots")
    args = parser.parse_args(argv)
    try:
        path = write_report(args.result_dirs, args.out)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
