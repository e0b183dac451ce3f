"""Whole-mirror pFM of a base model with test-time augmentation (dihedral averaging), per held-out test mirror.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/base_tta.py --base weights/base_default.pth

Scores the plain pass (`tta=1`) and the averages over the 4 rotations and over all 8 dihedral transforms, with
the wall time of each on this machine. Writes bench/results/base_tta.json.
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
from fusing_forces.benchmark import benchmark_views, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, evaluate_base
from fusing_forces.models import sha256

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--tta', default='1,4,8')
    p.add_argument('--name', default='base_tta')
    a = p.parse_args()
    make_benchmark(a.root)
    base = BaseModel.load(a.base); test = [v.view for v in benchmark_views('test')]
    grids = load_grids(a.root, test, base.channels, base.stats, a.storage)
    rep = dict(base=a.base, sha256=sha256(a.base), threshold=0.5, tta={})
    for n in (int(t) for t in a.tta.split(',')):
        t0 = time.time(); scores = evaluate_base(base, grids, tta=n)
        rep['tta'][str(n)] = dict(seconds=round(time.time() - t0, 1), mirrors=scores)
        print(f"tta={n}: " + ', '.join(f"{v} pFM {s['pfm']:.4f}" for v, s in scores.items()) + f" ({rep['tta'][str(n)]['seconds']} s)", flush=True)
    print('saved', save_result(a.name, rep))

if __name__ == '__main__': main()
