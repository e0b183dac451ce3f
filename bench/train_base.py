"""Train the shipped default base model on the synthetic benchmark and record its report (issues 5, 14).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_base.py --epochs 48 --samples-per-epoch 1024

Trains on the benchmark's training mirrors (classic and randomised), early-stops on the validation mirrors' tiles,
writes the weights (default weights/base_default.pth) and bench/results/<name>.json (validation tile scores,
whole-mirror scores of the validation mirrors, training time, per-epoch history, machine). The test mirrors are not
touched: `bench/base_levels.py` scores them.
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
from fusing_forces.benchmark import view_ids, make_benchmark
from fusing_forces.base_model import train_base

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--out', default=repo('weights/base_default.pth')); p.add_argument('--preset', default='default')
    p.add_argument('--epochs', type=int, default=48); p.add_argument('--samples-per-epoch', type=int, default=1024)
    p.add_argument('--bs', type=int, default=8); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--patience', type=int, default=10)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--name', default='base_model')
    a = p.parse_args()
    t0 = time.time(); make_benchmark(a.root, 'train'); make_benchmark(a.root, 'valid'); t_gen = time.time() - t0
    train, valid = view_ids('train'), view_ids('valid')
    base, rep = train_base(a.root, train, valid, preset=a.preset, epochs=a.epochs, bs=a.bs, samples_per_epoch=a.samples_per_epoch,
                           lr=a.lr, patience=a.patience, seed=a.seed, out=a.out, storage=a.storage)
    rep['benchmark_generation_s'] = round(t_gen, 1)
    print(json.dumps({v: round(s['pfm'], 3) for v, s in rep['mirrors'].items()}, indent=1))
    print('tiles', json.dumps(rep['tiles']))
    print('saved', save_result(a.name, rep))

if __name__ == '__main__': main()
