"""GAN Memory with and without low-rank compression (--gm_lowrank): memory per task against FID and accuracy.

    nice python benchmarks/gan_memory_lowrank.py [--data_root ../shared/data] [--width 16] ...

One source GAN pretrained on Fashion-MNIST (``--method gan_memory_source``), then the 5 split-MNIST tasks (class
order 1, seed 1993) on that same source once per variant: uncompressed, and ``--gm_lowrank`` at each
``--energies`` fraction (one fraction for every G block conv: the width table of the original compresses only
convs of 256 outputs or more, and the CPU widths have none).  Per task: the stored parameters and bytes of its
memory (the shared basis counted in the task that added it), the per-class FID and the domain classifier's
accuracy on generated samples of its classes right after it (for compressed runs: from the compressed memory),
task 1's FID after the last task, the classifier's accuracy after the task and TA-ACC.  Resumable: complete runs
are kept, an interrupted one is resumed.  Prints a markdown table and writes ``--json``.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(directory: str, flags: list) -> float:
    """Runs (or resumes, or keeps) one main.py run; returns its wall seconds (0 if kept)."""
    results = os.path.join(directory, "results.json")
    if os.path.isfile(results):
        with open(results) as handle:
            if json.load(handle).get("complete"):
                print(f"[gan_memory_lowrank] {directory}: complete, kept", flush=True)
                return 0.0
        flags = flags + ["--resume"]
    started = time.time()
    subprocess.run([sys.executable, "main.py", "--result_dir", directory, *flags], cwd=REPO, check=True)
    return time.time() - started


def task_rows(data: dict, nb_cl: int = 2) -> list:
    """Per task: memory, FID and generated accuracy of its classes just after it, accuracy after it."""
    rows = []
    sessions = data["sessions"]
    for session in sessions:
        classes = [str(c) for c in session["new_classes"]]
        memory = session["memory_per_task"]
        rows.append({
            "task": session["index"], "classes": classes,
            "parameters": memory["parameters"], "bytes": memory["bytes"],
            "uncompressed_parameters": memory.get("uncompressed_parameters", memory["parameters"]),
            "fid": {c: session["fid"][c] for c in classes},
            "generated_accuracy": {c: session["generated_accuracy"][c] for c in classes},
            "accuracy": session["accuracy"],
            "memory_sha256": session["memory_sha256"][session["index"] - 1],
            "added_per_layer": (session.get("lowrank") or {}).get("added_per_task", [None])[-1],
        })
    first = [str(c) for c in sessions[0]["new_classes"]]
    rows[0]["fid_after_last_task"] = {c: sessions[-1]["fid"][c] for c in first}
    rows[0]["memory_sha256_after_last_task"] = sessions[-1]["memory_sha256"][0]
    return rows


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def table(report: dict) -> str:
    lines = ["| run | task | stored parameters (bytes) | vs uncompressed | FID of its classes | generated acc. | "
             "accuracy after the task |", "|---|---|---|---|---|---|---|"]
    for name, variant in report["variants"].items():
        for row in variant["tasks"]:
            fid = "/".join(f"{row['fid'][c]:.0f}" for c in row["classes"])
            acc = "/".join(f"{row['generated_accuracy'][c]:.2f}" for c in row["classes"])
            ratio = row["parameters"] / row["uncompressed_parameters"]
            lines.append(f"| {name} | {row['task']} | {row['parameters']:,} ({row['bytes'] / 1000:.0f} kB) | "
                         f"{ratio:.2f} | {fid} | {acc} | {row['accuracy']:.3f} |")
        total = sum(r["parameters"] for r in variant["tasks"])
        lines.append(f"| {name} | all 5 | {total:,} ({4 * total / 1000:.0f} kB) | "
                     f"{total / sum(r['uncompressed_parameters'] for r in variant['tasks']):.2f} | mean "
                     f"{mean(v for r in variant['tasks'] for v in r['fid'].values()):.0f} | mean "
                     f"{mean(v for r in variant['tasks'] for v in r['generated_accuracy'].values()):.3f} | "
                     f"TA-ACC {variant['ta_acc']:.3f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_root", default=os.environ.get("INTROGAN_DATA_DIR",
                                                              os.path.join(os.path.dirname(REPO), "shared", "data")))
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "out", "gan_memory_lowrank"))
    parser.add_argument("--json", default=os.path.join(REPO, "benchmarks", "results", "gan_memory_lowrank_cpu.json"))
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--source_iters", type=int, default=400)
    parser.add_argument("--gan_iters", type=int, default=150)
    parser.add_argument("--classifier_iters", type=int, default=100)
    parser.add_argument("--fid_samples", type=int, default=500)
    parser.add_argument("--energies", type=float, nargs="*", default=[0.9, 0.5])
    args = parser.parse_args()
    common = ["--gan_memory_width", str(args.width), "--fid_samples_per_class", str(args.fid_samples)]
    source = os.path.join(args.out, "source")
    seconds = {"source": run(source, ["--dataset", "fashion-mnist", "--method", "gan_memory_source", "--data_dir",
                                      os.path.join(args.data_root, "fashion-mnist"), "--iters",
                                      str(args.source_iters), "--test_interval", str(args.source_iters),
                                      "--save_interval", str(args.source_iters), "--sample_interval",
                                      str(args.source_iters), *common])}
    tasks = ["--dataset", "mnist", "--method", "gan_memory", "--data_dir", os.path.join(args.data_root, "mnist"),
             "--source_checkpoint", source, "--gm_gan_iterations", str(args.gan_iters),
             "--gm_classifier_iterations", str(args.classifier_iters), "--test_interval", "50",
             "--save_interval", "250", "--sample_interval", "250", *common]
    variants = {"uncompressed": []}
    variants.update({f"lowrank {energy:g}": ["--gm_lowrank", "--gm_lowrank_energy", str(energy)]
                     for energy in args.energies})
    report = {"protocol": {"width": args.width, "source_iterations": args.source_iters,
                           "gan_iterations_per_task": args.gan_iters,
                           "classifier_iterations_per_task": args.classifier_iters,
                           "fid_samples_per_class": args.fid_samples, "order_idx": 1, "seed": 1993,
                           "command": " ".join(["python", "benchmarks/gan_memory_lowrank.py"] + sys.argv[1:])},
              "variants": {}}
    for name, flags in variants.items():
        directory = os.path.join(args.out, name.replace(" ", "_"))
        seconds[name] = run(directory, tasks + flags)
        with open(os.path.join(directory, "results.json")) as handle:
            data = json.load(handle)
        report["variants"][name] = {"flags": flags, "ta_acc": data["ta_acc"], "tasks": task_rows(data),
                                    "lowrank": data["sessions"][-1].get("lowrank")}
    report["wall_seconds"] = seconds
    text = table(report)
    print(text)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump(dict(report, table=text), handle, indent=1)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
