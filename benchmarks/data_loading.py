"""Load time and peak memory of every dataset loader, on synthetic files of the official formats and sizes.

    python benchmarks/data_loading.py                       # every dataset; files written to a temp dir
    python benchmarks/data_loading.py --datasets svhn cifar10 --lsun_per_class 2000 --workdir /big/disk

Writes the files once (SVHN's train / test .mat at their official counts, 73,257 / 26,032, zlib-compressed as the
official files; CIFAR-10's six binary batches of 10,000 records; LSUN: 4 categories of ``--lsun_per_class``
JPEG and WebP values of 256x341 / 400x256 pixels, plus 300-image val databases; an image folder of 10 classes of
``--folder_per_class`` JPEGs of 500x375), then loads each dataset in a fresh process and reports the wall time of
``load_dataset`` and the process's peak RSS, beside the RSS after importing TensorFlow and the loaded arrays'
size.  A real LSUN category is millions of images: the streamed loader's memory is the baseline plus the final
uint8 array (N x S x S x 3), which the synthetic runs check by comparing peak RSS with the array size.
Saves benchmarks/results/data_loading_<tag>.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
import tensorflow as tf  # the baseline: what every run pays before reading data
from introgan_tf.data import datasets
from introgan_tf.data.dataset_info import DataOptions
def current_rss_mib():
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024
baseline = current_rss_mib()
start = time.time()
data = datasets.load_dataset({name!r}, data_dir={data_dir!r}, options=DataOptions(**{options!r}))
seconds = time.time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
arrays = (data.x_train.nbytes + data.x_test.nbytes) / 2 ** 20
print(json.dumps(dict(dataset={name!r}, options={options!r}, train=len(data.x_train), test=len(data.x_test),
                      image_shape=list(data.info.image_shape), seconds=round(seconds, 2),
                      images_per_second=round((len(data.x_train) + len(data.x_test)) / seconds),
                      baseline_rss_mib=round(baseline), peak_rss_mib=round(peak), arrays_mib=round(arrays),
                      peak_over_baseline_mib=round(peak - baseline), provenance=list(data.provenance))))
"""


def write_svhn(directory):
    import numpy as np
    from introgan_tf import testing
    for name, count in (("train_32x32.mat", 73257), ("test_32x32.mat", 26032)):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            continue
        labels = np.arange(count) % 10
        rng = np.random.default_rng(count)
        images = np.concatenate([testing.class_images(int(c), 1, (32, 32, 3), rng) for c in labels[:1000]])
        images = np.tile(images, (count // 1000 + 1, 1, 1, 1))[:count]  # structured pixels: zlib compresses them
        testing.write_svhn_mat(path, images, testing.svhn_values(labels))


def write_cifar(directory):
    import numpy as np
    from introgan_tf import testing
    folder = os.path.join(directory, "cifar-10-batches-bin")
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            testing.write_cifar_batch(path, rng.integers(0, 256, (10000, 32, 32, 3), dtype=np.uint8),
                                      np.arange(10000) % 10)


def write_lsun(directory, per_class):
    from introgan_tf import testing
    for label, category in enumerate(("bedroom", "kitchen", "church_outdoor", "tower")):
        train = os.path.join(directory, f"{category}_train_lmdb")
        if os.path.exists(train):
            continue
        jpeg = [testing.encode_image(i, "JPEG") for i in testing.scene_images(50, 256, 341, label)]
        webp = [testing.encode_image(i, "WEBP") for i in testing.scene_images(50, 400, 256, label)]
        values = [(jpeg + webp)[i % 100] for i in range(per_class)]  # distinct keys, real encodings
        testing.write_lsun_lmdb(train, values)
        testing.write_lsun_lmdb(os.path.join(directory, f"{category}_val_lmdb"), values[:300])


def write_folder(directory, per_class):
    from PIL import Image
    from introgan_tf import testing
    for label in range(10):
        folder = os.path.join(directory, f"class_{label:02d}")
        if os.path.isdir(folder):
            continue
        os.makedirs(folder)
        images = testing.scene_images(20, 375, 500, label)
        for i in range(per_class):
            Image.fromarray(images[i % 20]).save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist-rgb32", "svhn", "cifar10", "lsun", "image_folder"])
    parser.add_argument("--workdir", default=None, help="where the synthetic files go (default: a temp dir)")
    parser.add_argument("--mnist_dir", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--lsun_per_class", type=int, default=2000)
    parser.add_argument("--folder_per_class", type=int, default=200)
    parser.add_argument("--tag", default="cpu2")
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="data_loading_")
    plans = {
        "mnist-rgb32": (lambda d: None, args.mnist_dir, {}),
        "svhn": (write_svhn, os.path.join(work, "svhn"), {"svhn_labels": "digit"}),
        "cifar10": (write_cifar, os.path.join(work, "cifar10"), {}),
        "lsun": (lambda d: write_lsun(d, args.lsun_per_class), os.path.join(work, "lsun"), {"image_size": 64}),
        "image_folder": (lambda d: write_folder(d, args.folder_per_class), os.path.join(work, "image_folder"),
                         {"image_size": 64}),
    }
    results = []
    for name in args.datasets:
        writer, directory, options = plans[name]
        os.makedirs(directory, exist_ok=True)
        started = time.time()
        writer(directory)
        print(f"{name}: files ready in {time.time() - started:.0f}s ({directory})", flush=True)
        child = CHILD.format(root=ROOT, name=name, data_dir=directory, options=options)
        out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"{name}: loading failed")
        record = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(record), flush=True)
        results.append(record)
    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    path = os.path.join(ROOT, "benchmarks", "results", f"data_loading_{args.tag}.json")
    with open(path, "w") as handle:
        json.dump({"command": " ".join(sys.argv), "machine": f"{os.cpu_count()} CPUs", "results": results}, handle,
                  indent=2)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
