"""How much can one simulated stroke gain at most? An oracle bound for the refiner's single-stroke gain (issue 6).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/headroom.py --base weights/base_default.pth

With `fusing_forces.refiner.stroke_oracles`, on the validation tiles of the held-out mirrors (the same tiles and stroke draws as `train_refiner`'s monitored
metric), for every simulated stroke it scores three oracles against the manual-only tile Y^Δ:
- `component`: Y^Δ with the whole error component the stroke touches fixed (the missed GT component for an add
  stroke, the spurious prediction component for an erase stroke) — what a perfect *local* refiner could do;
- `same_kind`: every error of the stroke's kind in the tile fixed (all missed GT, or all spurious prediction);
- `perfect`: the GT itself (pFM 1).
With `--refiner`, the trained refiner is scored on the same strokes, whole-tile and with the `locality` option of
the refine API (the tile keeps Y farther than r pixels from the stroke), for each r of `--localities`; and, to tell
what the stroke adds from what the refiner does as a second-stage segmenter, `refiner_no_stroke_vs_base` =
pFM(R(Y, Δ=0)) / pFM(Y) and `refiner_stroke_effect` = pFM(R(Y, Δ)) / pFM(R(Y, 0) with the stroke burned in).
Writes bench/results/headroom.json (mean, std, quantiles of each ratio) and prints a table.
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import numpy as np
from fusing_forces.synthetic import benchmark_views, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits, mirror_tiles, split_tiles
from fusing_forces.tiles import PATCH, crop
from fusing_forces.refiner import LOGIT_CLIP
from fusing_forces.metrics import pfm, thin_gt
from fusing_forces.strokes import burn_strokes
from fusing_forces.refiner import stroke_history, stroke_oracles, Refiner, keep_far, force_strokes

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default='data/benchmark'); p.add_argument('--storage', default='data/cache')
    p.add_argument('--base', default='weights/base_default.pth'); p.add_argument('--draws', type=int, default=5)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--name', default='headroom')
    p.add_argument('--refiner', default=None); p.add_argument('--localities', default='8,16,32,64')
    a = p.parse_args()
    refiner = Refiner.load(a.refiner) if a.refiner else None
    locs = [float(r) for r in a.localities.split(',') if r]
    make_benchmark(a.root)
    base = BaseModel.load(a.base); test = [v.view for v in benchmark_views('test')]
    held = load_grids(a.root, test, base.channels, base.stats, a.storage)
    logits = [grid_logits(base, g, stride=PATCH) for g in held]
    valid_tiles, _ = split_tiles(mirror_tiles(held), seed=a.seed)
    rng = np.random.default_rng(a.seed + 100)   # the seed `train_refiner` uses for its validation gain
    rows = []
    for (k, r, c) in valid_tiles:
        g = held[k]; yl = crop(logits[k], r, c, PATCH, fill=-LOGIT_CLIP); y = yl > 0; gt = crop(g.gt, r, c, PATCH)
        x = crop(g.x, r, c, PATCH)
        if not gt.any(): continue
        skel = thin_gt(gt); base_pfm = pfm(y, gt, skel)
        if refiner is not None:   # the refiner without any stroke: a second-stage segmenter of the tile
            r0 = refiner.refine(x, yl, np.zeros(y.shape, np.int8)) > 0
        for _ in range(a.draws):
            s = stroke_history(y, gt, rng, 1)
            if not s.any(): continue
            manual = burn_strokes(y, s); o = stroke_oracles(manual, gt, s, skel); m = o['manual']
            if m <= 0: continue
            row = dict(kind='add' if s.max() > 0 else 'erase', base=base_pfm, manual=m,
                       **{k: o[k] / m for k in ('component', 'same_kind', 'perfect')})
            if refiner is not None:
                out = refiner.refine(x, yl, s)
                row['refiner'] = pfm(out > 0, gt, skel) / m
                if base_pfm > 0: row['refiner_no_stroke_vs_base'] = pfm(r0, gt, skel) / base_pfm
                r0s = pfm(burn_strokes(r0, s), gt, skel)
                if r0s > 0: row['refiner_stroke_effect'] = pfm(out > 0, gt, skel) / r0s
                for loc in locs:   # the refine API's `locality` applied to the same network output (no second pass)
                    row[f'refiner_local_{loc:g}'] = pfm(force_strokes(keep_far(out, yl, s != 0, loc), s) > 0, gt, skel) / m
            rows.append(row)
    def summ(key, sel=lambda r: True):
        v = np.array([r[key] for r in rows if sel(r) and key in r])
        return dict(mean=float(v.mean()), std=float(v.std()), p10=float(np.quantile(v, .1)), median=float(np.median(v)),
                    p90=float(np.quantile(v, .9)), frac_ge_1_10=float((v >= 1.10).mean()), n=int(len(v)))
    rep = dict(base=a.base, draws=a.draws, n=len(rows),
               mean_base_tile_pfm=float(np.mean([r['base'] for r in rows])),
               mean_manual_tile_pfm=float(np.mean([r['manual'] for r in rows])),
               add_fraction=float(np.mean([r['kind'] == 'add' for r in rows])),
               oracle={k: summ(k) for k in ('component', 'same_kind', 'perfect')},
               refiner=a.refiner, refined={k: summ(k) for k in dict.fromkeys(k for r in rows for k in r) if k.startswith('refiner')} if refiner else None,
               by_kind={kind: {k: summ(k, lambda r, kind=kind: r['kind'] == kind)
                               for k in ('component', 'same_kind') + (('refiner',) if refiner else ())}
                        for kind in ('add', 'erase')})
    print(f"{rep['n']} stroke samples on validation tiles; mean tile pFM base {rep['mean_base_tile_pfm']:.3f}, "
          f"manual {rep['mean_manual_tile_pfm']:.3f}; add strokes {rep['add_fraction']:.0%}")
    for k, s in rep['oracle'].items():
        print(f"oracle {k:10s} mean ratio {s['mean']:.3f} ± {s['std']:.3f}  median {s['median']:.3f}  "
              f"p90 {s['p90']:.3f}  share ≥ 1.10: {s['frac_ge_1_10']:.0%}")
    for k, s in (rep['refined'] or {}).items():
        print(f"{k:17s} mean ratio {s['mean']:.3f} ± {s['std']:.3f}  median {s['median']:.3f}  share ≥ 1.10: {s['frac_ge_1_10']:.0%}")
    for kind, d in rep['by_kind'].items():
        print(kind, {k: round(v['mean'], 3) for k, v in d.items()}, 'n', d['component']['n'])
    print('saved', save_result(a.name, rep))

if __name__ == '__main__': main()
