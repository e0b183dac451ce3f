"""Refine latency per stroke on real tiles (issue 15 target: p50 ≤ 30 ms, p95 ≤ 60 ms for a 256² tile on 2 CPU cores).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/refine_latency.py --refiner weights/refiner_default.pth [--calls 120]

Times `Refiner.refine` (network passes, the guard against the previous state, strokes forced) on tiles of a test
mirror with simulated strokes, for each guard / iterations setting, after a warm-up; reports p50 / p95 and the
machine's load average before and after (the figure is only comparable on an otherwise idle machine).
"""
import argparse, os, sys, time
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, torch
from _machine import save_result, repo
from fusing_forces.benchmark import make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits
from fusing_forces.refiner import Refiner
from fusing_forces.analysis import stroke_cases
from fusing_forces.tiles import PATCH

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--refiner', default=repo('weights/refiner_default.pth'))
    p.add_argument('--mirror', default='SYN-0101_R'); p.add_argument('--calls', type=int, default=120)
    p.add_argument('--threads', type=int, default=2); p.add_argument('--settings', default='none:1,connected:1,traced:1')
    p.add_argument('--name', default='refine_latency')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    make_benchmark(a.root, views=[a.mirror], progress=False)
    base, ref = BaseModel.load(a.base), Refiner.load(a.refiner)
    g = load_grids(a.root, [a.mirror], base.channels, base.stats, a.storage)[0]
    cases = stroke_cases([g], [grid_logits(base, g, stride=PATCH)], draws=3, seed=0)
    load_before = os.getloadavg(); out = {}
    for setting in a.settings.split(','):
        guard, it = setting.split(':'); it = int(it)
        for c in cases[:5]: ref.refine(c.x, c.y, c.stroke, previous=c.y, new_stroke=c.stroke, guard=guard, iterations=it)   # warm-up
        ts = []
        for k in range(a.calls):
            c = cases[k % len(cases)]
            t0 = time.perf_counter(); ref.refine(c.x, c.y, c.stroke, previous=c.y, new_stroke=c.stroke, guard=guard, iterations=it)
            ts.append(1000*(time.perf_counter() - t0))
        out[setting] = dict(p50_ms=round(float(np.median(ts)), 1), p95_ms=round(float(np.quantile(ts, 0.95)), 1), calls=a.calls)
        print(f"{setting}: p50 {out[setting]['p50_ms']} ms, p95 {out[setting]['p95_ms']} ms ({a.calls} calls, 256² tiles of {a.mirror})")
    print('saved', save_result(a.name, dict(refiner=a.refiner, mirror=a.mirror, threads=a.threads, settings=out, defaults=dict(guard=ref.guard, iterations=ref.iterations),
                                            load_avg_before=[round(x, 2) for x in load_before], load_avg_after=[round(x, 2) for x in os.getloadavg()])))

if __name__ == '__main__': main()
