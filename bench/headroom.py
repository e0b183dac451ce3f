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
For add strokes it also reports the refiner's `reach`: the share of the touched missed component's GT skeleton that
the refiner's output covers (1 = the whole missed stretch restored, like the component oracle), and with `--figure` it
draws the add strokes with the largest missed components: depth, Y with the missed GT, and what the refiner restored.
Writes bench/results/<name>.json (mean, std, quantiles of each ratio) and prints a table.
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import numpy as np
from fusing_forces.benchmark import benchmark_views, make_benchmark
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
    p.add_argument('--figure', default=None, help='with --refiner: a PNG of the add strokes with the largest missed components')
    a = p.parse_args()
    refiner = Refiner.load(a.refiner) if a.refiner else None
    locs = [float(r) for r in a.localities.split(',') if r]
    make_benchmark(a.root)
    base = BaseModel.load(a.base); test = [v.view for v in benchmark_views('test')]
    held = load_grids(a.root, test, base.channels, base.stats, a.storage)
    logits = [grid_logits(base, g, stride=PATCH) for g in held]
    valid_tiles, _ = split_tiles(mirror_tiles(held), seed=a.seed)
    rng = np.random.default_rng(a.seed + 100)   # the seed `train_refiner` uses for its validation gain
    rows, cases = [], []
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
                out = refiner.refine(x, yl, s); refined = out > 0; rp = pfm(refined, gt, skel)
                row['refiner'] = rp / m
                missed_skel = skel & o['touched']
                if row['kind'] == 'add' and missed_skel.any():
                    row['reach'] = float((missed_skel & refined).sum() / missed_skel.sum())
                    if a.figure: cases.append((int(o['touched'].sum()), (k, r, c), x[0], y, gt, s, refined, o['touched'], m, rp))
                if base_pfm > 0: row['refiner_no_stroke_vs_base'] = pfm(r0, gt, skel) / base_pfm
                r0s = pfm(burn_strokes(r0, s), gt, skel)
                if r0s > 0: row['refiner_stroke_effect'] = rp / r0s
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
               reach=summ('reach') if refiner else None,
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
    if rep['reach']: print(f"reach (add strokes: share of the touched missed component's GT skeleton restored) mean {rep['reach']['mean']:.2f}, "
                           f"median {rep['reach']['median']:.2f}, n {rep['reach']['n']}")
    if a.figure and cases: rep['figure'] = draw_cases(cases, a.figure, a.refiner)
    for kind, d in rep['by_kind'].items():
        print(kind, {k: round(v['mean'], 3) for k, v in d.items()}, 'n', d['component']['n'])
    print('saved', save_result(a.name, rep))

def draw_cases(cases, path, refiner_name, n=4):
    "Depth, Y with the missed GT and the stroke, and the refined tile for the `n` add strokes with the largest missed components."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    seen, pick = set(), []
    for case in sorted(cases, key=lambda t: -t[0]):   # the largest first, one stroke per tile
        if case[1] not in seen and len(pick) < n: seen.add(case[1]); pick.append(case)
    fig, axs = plt.subplots(len(pick), 3, figsize=(10.5, 3.6*len(pick)), squeeze=False)
    for row, (_, tile, depth, y, gt, s, out, touched, m, r) in zip(axs, pick):
        row[0].imshow(depth, cmap='gray'); row[0].set_title(f'depth, tile {tile}', fontsize=9)
        img = np.zeros(gt.shape + (3,)); img[gt] = .3; img[y] = (1, .6, 0); img[touched] = (.9, 0, .2); img[s > 0] = (0, .9, 1)
        row[1].imshow(img); row[1].set_title(f"Y^Δ: manual-only pFM {m:.3f}", fontsize=9)
        img = np.zeros(gt.shape + (3,)); img[gt] = .3; img[out] = (1, .6, 0); img[touched & out] = (0, .8, .3)
        img[touched & ~out] = (.9, 0, .2); img[s > 0] = (0, .9, 1)
        row[2].imshow(img); row[2].set_title(f"refined Y′: pFM {r:.3f}", fontsize=9)
        for ax in row: ax.axis('off')
    fig.suptitle(f"{refiner_name}: the add strokes (cyan) with the largest missed components\n"
                 "middle: Y (orange), missed GT the stroke touches (red), other GT (grey); "
                 "right: refined, restored part of that missed GT (green), still missed (red)", fontsize=9)
    plt.tight_layout(rect=(0, 0, 1, 0.97)); Path(path).parent.mkdir(parents=True, exist_ok=True); fig.savefig(path, dpi=70); plt.close(fig)
    print('figure', path); return str(path)

if __name__ == '__main__': main()
