"""Train the shipped default base model on the synthetic benchmark and record its report (issue 5 acceptance).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_base.py --epochs 48 --samples-per-epoch 1024

Writes weights/base_default.pth and bench/results/base_model.json (tile val/test pFM, whole-mirror scores per
held-out mirror, the classical baselines beside them, training time, machine).
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import torch
from fusing_forces.synthetic import benchmark_views, make_benchmark
from fusing_forces.base_model import train_base, classical_baselines
from fusing_forces.data import Mirror

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default='data/benchmark'); p.add_argument('--storage', default='data/cache')
    p.add_argument('--out', default='weights/base_default.pth'); p.add_argument('--preset', default='default')
    p.add_argument('--epochs', type=int, default=48); p.add_argument('--samples-per-epoch', type=int, default=1024)
    p.add_argument('--bs', type=int, default=8); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--name', default='base_model')
    a = p.parse_args()
    t0 = time.time(); make_benchmark(a.root); t_gen = time.time() - t0
    train = [v.view for v in benchmark_views('train')]; test = [v.view for v in benchmark_views('test')]
    base, rep = train_base(a.root, train, test, preset=a.preset, epochs=a.epochs, bs=a.bs, samples_per_epoch=a.samples_per_epoch,
                           lr=a.lr, seed=a.seed, out=a.out, storage=a.storage)
    rep['classical'] = {v: classical_baselines(Mirror(a.root, v, storage=a.storage)) for v in test}
    rep['benchmark_generation_s'] = round(t_gen, 1)
    print(json.dumps({v: dict(base_pfm=rep['mirrors'][v]['pfm'], otsu=rep['classical'][v]['otsu']['pfm'],
                              sauvola=rep['classical'][v]['sauvola']['pfm']) for v in test}, indent=1))
    print('tiles', json.dumps(rep['tiles']))
    print('saved', save_result(a.name, rep))

if __name__ == '__main__': main()
