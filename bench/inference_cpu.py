"""CPU inference speed: the plain eval-mode network against `models.inference_model` (batch norm folded, channels-last).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/inference_cpu.py [--rounds 5]

Measured in the same run, interleaved round by round so that a busy moment hits both: (1) one refiner call on a
256² tile, batch 1, 3 channels (`Refiner.network`'s forward pass), with the shipped refiner; (2) the shipped base model
over a whole benchmark mirror (`predict_grid`, batch 8, the evaluation's overlapping windows) against the same loop run on
the plain model. Reports the median over rounds of each figure, the speed-up ratios, and the largest difference of
the logits between the two (they must agree to float rounding). Writes bench/results/inference_cpu.json.
"""
import argparse, os, sys, time
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, torch
from _machine import save_result, require_weights
from fusing_forces.models import inference_model
from fusing_forces.refiner import Refiner
from fusing_forces.base_model import BaseModel, load_grids, predict_grid
from fusing_forces.benchmark import make_benchmark, view_ids
import fusing_forces.base_model as bm

ROOT = Path(__file__).resolve().parent.parent

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=str(ROOT/'data/benchmark')); p.add_argument('--storage', default=str(ROOT/'data/cache'))
    p.add_argument('--base', default=str(ROOT/'weights/base_default.pth')); p.add_argument('--refiner', default=str(ROOT/'weights/refiner_default.pth'))
    p.add_argument('--mirror', default='SYN-0101_R'); p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--calls', type=int, default=40); p.add_argument('--threads', type=int, default=2)
    a = p.parse_args()
    if a.mirror not in view_ids('all'): sys.exit(f"error: --mirror: {a.mirror!r} is not a benchmark mirror (e.g. SYN-0101_R)")
    require_weights(a.base, 'base', '--base'); require_weights(a.refiner, 'refiner', '--refiner')   # before anything runs
    torch.set_num_threads(a.threads)
    make_benchmark(a.root, views=[a.mirror], progress=False)
    base, ref = BaseModel.load(a.base), Refiner.load(a.refiner)
    g = load_grids(a.root, [a.mirror], base.channels, base.stats, a.storage)[0]
    x = torch.randn(1, 3, 256, 256, generator=torch.Generator().manual_seed(0))
    plain_ref, fast_ref = ref.model.eval(), inference_model(ref.model)

    def call_ms(net):
        with torch.inference_mode():
            for _ in range(5): net(x)
            ts = []
            for _ in range(a.calls): t = time.perf_counter(); net(x); ts.append(time.perf_counter() - t)
        return float(np.median(ts)*1e3), float(np.percentile(ts, 95)*1e3)

    def grid_s(fast):
        orig = bm.inference_model
        if not fast: bm.inference_model = lambda m: m     # the plain eval-mode model in the same loop
        try: t = time.perf_counter(); out = predict_grid(base.model, g.x, progress=False); return time.perf_counter() - t, out
        finally: bm.inference_model = orig

    with torch.inference_mode(): ref_diff = float((fast_ref(x) - plain_ref(x)).abs().max())
    rounds, load0 = [], os.getloadavg()
    for r in range(a.rounds):
        pp, fp = call_ms(plain_ref), call_ms(fast_ref)
        gp, out_p = grid_s(False); gf, out_f = grid_s(True)
        rounds.append(dict(refiner_plain_ms=pp, refiner_fast_ms=fp, grid_plain_s=gp, grid_fast_s=gf))
        print(f"round {r}: refiner call p50 {pp[0]:.1f} -> {fp[0]:.1f} ms; whole mirror {gp:.1f} -> {gf:.1f} s", flush=True)
    med = lambda k, i=None: float(np.median([x[k] if i is None else x[k][i] for x in rounds]))
    res = dict(mirror=a.mirror, grid_shape=list(g.x.shape), windows_batch=8, threads=a.threads, rounds=rounds,
               refiner_call_p50_ms=dict(plain=med('refiner_plain_ms', 0), fast=med('refiner_fast_ms', 0)),
               refiner_call_p95_ms=dict(plain=med('refiner_plain_ms', 1), fast=med('refiner_fast_ms', 1)),
               whole_mirror_s=dict(plain=med('grid_plain_s'), fast=med('grid_fast_s')),
               max_abs_logit_diff=dict(refiner=ref_diff, base_whole_mirror=float(np.abs(out_f - out_p).max())),
               load_average_before=load0, load_average_after=os.getloadavg())
    res['speedup'] = dict(refiner_call=res['refiner_call_p50_ms']['plain']/res['refiner_call_p50_ms']['fast'],
                          whole_mirror=res['whole_mirror_s']['plain']/res['whole_mirror_s']['fast'])
    print(f"refiner call p50 {res['refiner_call_p50_ms']['plain']:.1f} -> {res['refiner_call_p50_ms']['fast']:.1f} ms "
          f"({res['speedup']['refiner_call']:.2f}x); whole mirror {res['whole_mirror_s']['plain']:.1f} -> {res['whole_mirror_s']['fast']:.1f} s "
          f"({res['speedup']['whole_mirror']:.2f}x); largest logit difference {res['max_abs_logit_diff']}; load {load0} -> {res['load_average_after']}")
    print('saved', save_result('inference_cpu', res))

if __name__ == '__main__': main()
