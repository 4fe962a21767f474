"""Generation curves: does a method's generator draw the class it is asked for, and after how many iterations?

    python benchmarks/generation_curve.py                      # IntroGAN on MNIST and Fashion-MNIST, 10,000 it.
    python benchmarks/generation_curve.py --methods mergan acgan --datasets mnist
    python benchmarks/generation_curve.py --report_only        # rebuild the JSON and the plot from the runs

Session 1 only (2 classes, class order 1, seed 1993), each method with its own published settings and iterations
(IntroGAN 10,000, the paper's budget), through ``main.py``: the accuracy of the domain classifier on generated
samples every ``--interval`` iterations (``--gen_eval_interval``) with per-class FID (``--gen_eval_fid``,
``--fid_samples_per_class`` samples per class), and a sample grid at every point (``samples/session_1_iter_<i>.png``).
Runs resume where they stopped.  Writes ``benchmarks/results/generation_curve_<method>_<dataset>.json`` (the curve
and the first iteration with accuracy on generated samples >= 0.9), ``..._samples.png`` (the sample grids at
250, 500, 1,000, 2,000, 5,000 and 10,000 iterations side by side) and ``benchmarks/results/generation_curve.png``;
the runs themselves stay under ``benchmarks/out/generation_curve/``.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from introgan_tf.report import _pyplot  # noqa: E402  (matplotlib without a display)

DATA_ROOT = os.path.join(os.path.dirname(REPO), "shared", "data")
OUT = os.path.join(HERE, "out", "generation_curve")
RESULTS = os.path.join(HERE, "results")
# Session-1 iterations of each method's published budget; None: the method's own --iters default.
ITERS = {"introgan": 10000, "mergan_ig": 10000, "mergan": None, "acgan": 10000, "dgr": None}
KEY_POINTS = (250, 500, 1000, 2000, 5000, 10000)  # the iterations the JSON summary and the sample strip show
LABEL_CONDITIONAL = 0.9  # accuracy on generated samples at which 2 classes count as drawn on demand


def result_dir(method: str, dataset: str) -> str:
    return os.path.join(OUT, f"{method}_{dataset}")


def run(method: str, dataset: str, args) -> None:
    directory = result_dir(method, dataset)
    command = [sys.executable, "main.py", "--dataset", dataset, "--method", method, "--num_sessions", "1",
               "--nb_cl", "2", "--seed", str(args.seed), "--result_dir", directory,
               "--data_dir", os.path.join(args.data_root, dataset), "--gen_eval_interval", str(args.interval),
               "--fid_samples_per_class", str(args.fid_samples_per_class), "--save_interval", str(args.interval * 4)]
    if not args.no_fid:
        command.append("--gen_eval_fid")
    else:
        command.append("--skip_fid")
    iters = args.iters or ITERS.get(method)
    if iters:
        command += ["--iters", str(iters)]
    results = os.path.join(directory, "results.json")
    if os.path.isfile(results):
        with open(results) as handle:
            if json.load(handle).get("complete"):
                print(f"{method} {dataset}: complete, not rerun", flush=True)
                return
        command.append("--resume")
    print(" ".join(command), flush=True)
    started = time.time()
    subprocess.run(command, cwd=REPO, check=True)
    print(f"{method} {dataset}: {(time.time() - started) / 60:.1f} min", flush=True)


def curve(method: str, dataset: str) -> dict:
    with open(os.path.join(result_dir(method, dataset), "results.json")) as handle:
        results = json.load(handle)
    session = results["sessions"][0]
    points = list(session.get("generation_evaluations", []))
    if "generated_accuracy_mean" in session:
        points.append(dict({k: session[k] for k in ("generated_accuracy", "generated_accuracy_mean", "fid",
                                                    "fid_mean") if k in session}, iteration=results["iters"]))
    first = next((p["iteration"] for p in points if (p.get("generated_accuracy_mean") or 0) >= LABEL_CONDITIONAL),
                 None)
    return {"method": method, "dataset": dataset, "iters": results["iters"], "complete": results.get("complete"),
            "classes": session["seen_classes"], "accuracy": session.get("accuracy"),
            "seed": results["config"]["seed"], "order_idx": results["order_idx"],
            "fid_samples_per_class": results["config"]["eval"]["fid_samples_per_class"],
            "first_iteration_label_conditional": first, "threshold": LABEL_CONDITIONAL,
            "training_seconds": (session.get("timing") or {}).get("training_seconds"),
            "points": [{k: p.get(k) for k in ("iteration", "generated_accuracy_mean", "generated_accuracy",
                                              "fid_mean", "fid")} for p in points]}


def sample_strip(method: str, dataset: str, path: str) -> bool:
    """The sample grids at the key points side by side, each headed by its iteration (so a reader sees when
    the two rows start to differ); False when none of them exists yet."""
    from PIL import Image, ImageDraw  # pillow comes with matplotlib

    samples = os.path.join(result_dir(method, dataset), "samples")
    # The grid at the session's last iteration is the session-end grid, session_1.png.
    grids = [(i, os.path.join(samples, f"session_1_iter_{i}.png")) for i in KEY_POINTS]
    grids = [(i, f if os.path.isfile(f) or i != KEY_POINTS[-1] else os.path.join(samples, "session_1.png"))
             for i, f in grids]
    grids = [(i, Image.open(f).convert("RGB")) for i, f in grids if os.path.isfile(f)]
    if not grids:
        return False
    head = 14
    width = sum(g.width for _, g in grids) + 4 * (len(grids) - 1)
    strip = Image.new("RGB", (width, head + max(g.height for _, g in grids)), "white")
    draw, x = ImageDraw.Draw(strip), 0
    for iteration, grid in grids:
        strip.paste(grid, (x, head))
        draw.text((x + 2, 1), f"it {iteration}", fill="black")
        x += grid.width + 4
    strip.save(path)
    return True


def plot(curves, path: str) -> None:
    plt = _pyplot()
    fig, (acc_ax, fid_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for item in curves:
        label = f"{item['method']} {item['dataset']}"
        xs = [p["iteration"] for p in item["points"]]
        acc_ax.plot(xs, [100 * (p["generated_accuracy_mean"] or 0) for p in item["points"]], marker=".", label=label)
        fids = [(p["iteration"], p["fid_mean"]) for p in item["points"] if p.get("fid_mean") is not None]
        if fids:
            fid_ax.plot(*zip(*fids), marker=".", label=label)
    acc_ax.axhline(100 * LABEL_CONDITIONAL, color="grey", lw=0.8, ls="--")
    for ax, ylabel in ((acc_ax, "accuracy on generated samples (%)"), (fid_ax, "mean per-class FID (domain-cnn-v1)")):
        ax.set_xscale("log")
        ax.set_xlabel("iteration of session 1")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fid_ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["introgan"], choices=sorted(ITERS))
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--iters", type=int, default=None, help="override every method's session-1 iterations")
    parser.add_argument("--interval", type=int, default=250, help="--gen_eval_interval")
    parser.add_argument("--fid_samples_per_class", type=int, default=10000)
    parser.add_argument("--no_fid", action="store_true", help="generated accuracy only")
    parser.add_argument("--seed", type=int, default=1993)
    parser.add_argument("--data_root", default=DATA_ROOT)
    parser.add_argument("--report_only", action="store_true")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    curves = []
    for method in args.methods:
        for dataset in args.datasets:
            if not args.report_only:
                run(method, dataset, args)
            if not os.path.isfile(os.path.join(result_dir(method, dataset), "results.json")):
                continue
            item = curve(method, dataset)
            curves.append(item)
            with open(os.path.join(RESULTS, f"generation_curve_{method}_{dataset}.json"), "w") as handle:
                json.dump(item, handle, indent=1)
            shown = ", ".join(f"{p['iteration']}: {100 * (p['generated_accuracy_mean'] or 0):.1f}%"
                              + (f" / FID {p['fid_mean']:.0f}" if p.get("fid_mean") is not None else "")
                              for p in item["points"] if p["iteration"] in KEY_POINTS)
            print(f"{method} {dataset}: label-conditional (>= {LABEL_CONDITIONAL:.0%}) from iteration "
                  f"{item['first_iteration_label_conditional']}; {shown}", flush=True)
            strip = os.path.join(RESULTS, f"generation_curve_{method}_{dataset}_samples.png")
            if sample_strip(method, dataset, strip):
                print(f"wrote {strip}")
    if curves:
        # The plot goes beside the JSON (committed); the runs themselves stay under benchmarks/out/.
        plot(curves, os.path.join(RESULTS, "generation_curve.png"))
        print(f"wrote {os.path.join(RESULTS, 'generation_curve.png')}")


if __name__ == "__main__":
    main()
