"""Calibration of the benchmark's difficulty levels by a classical binarisation (issue 14).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/benchmark_calibration.py [--size 3328] [--seeds 700,701,702]

Generates mirrors of the benchmark's validation/test size for difficulties 0, 0.1, …, 1 (`random_knobs`, three seeds
each, not benchmark seeds) and scores Otsu and the best-window Sauvola on the model grid, as `fusing_forces.baselines`
scores the benchmark. The level bands of `fusing_forces.benchmark.LEVELS` are read off this curve (easy ≈ 0.70,
medium ≈ 0.55, hard ≈ 0.45 best-window Sauvola pFM). Writes bench/results/benchmark_calibration.json.
"""
import argparse, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import numpy as np
from fusing_forces.synthetic import make_mirror, random_knobs, DEFAULT_DPI
from fusing_forces.readers import preprocess_depth
from fusing_forces.tiles import downsample
from fusing_forces.baselines import otsu_lines, sauvola_lines, SAUVOLA_WINDOWS
from fusing_forces.metrics import thin_gt, score_lines
from fusing_forces.benchmark import LEVELS

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--size', type=int, default=3328); p.add_argument('--seeds', default='700,701,702')
    p.add_argument('--steps', type=int, default=11); p.add_argument('--name', default='benchmark_calibration')
    a = p.parse_args()
    rows, t0 = [], time.time()
    for d in np.linspace(0, 1, a.steps):
        for seed in map(int, a.seeds.split(',')):
            m = make_mirror(seed, a.size, a.size, **random_knobs(seed, float(d)))
            dep = downsample(preprocess_depth(m['height'], DEFAULT_DPI/25.4)); gt, mask = downsample(m['gt']), downsample(m['mask'])
            skel = thin_gt(gt & mask)
            sweep = {w: score_lines(sauvola_lines(dep, mask, w), gt, mask, skel)['pfm'] for w in SAUVOLA_WINDOWS}
            best = max(sweep, key=sweep.get)
            rows.append(dict(difficulty=round(float(d), 3), seed=seed, otsu=score_lines(otsu_lines(dep, mask), gt, mask, skel)['pfm'],
                             sauvola=sweep[best], sauvola_window=best))
            print(rows[-1], flush=True)
    curve = {}
    for r in rows: curve.setdefault(r['difficulty'], []).append(r['sauvola'])
    print('difficulty → mean best-window Sauvola pFM:', {k: round(float(np.mean(v)), 3) for k, v in curve.items()})
    print('saved', save_result(a.name, dict(size=a.size, seeds=a.seeds, rows=rows, levels=LEVELS, seconds=round(time.time() - t0))))

if __name__ == '__main__': main()
