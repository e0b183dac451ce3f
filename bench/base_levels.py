"""The base model against the classical baselines on every test mirror, by difficulty level, with the error analysis (issue 14).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/base_levels.py --base weights/base_default.pth [--tta 4] [--split test]

For each mirror of the split (default: the test mirrors — classic and the easy / medium / hard levels): the base
model's whole-mirror pFM, F1 and IoU on the model grid at threshold 0.5, Otsu and best-window Sauvola beside it, the
margin over Sauvola, and the error analysis (recall by line kind and condition, false-positive attribution) from the
mirror's category maps; then per level: the mean scores, the smallest margin and the merged error analysis.
Writes bench/results/<name>.json and, with --figure, the error-analysis figure (one bar per level).
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
import numpy as np
from fusing_forces.benchmark import benchmark_views, make_benchmark, view_error_analysis, merge_error_analyses, plot_error_analysis
from fusing_forces.baselines import classical_baselines
from fusing_forces.base_model import BaseModel, load_grids, evaluate_base, grid_logits, sigmoid
from fusing_forces.mirror import Mirror
from fusing_forces.metrics import thin_gt, score_lines

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--split', default='test')
    p.add_argument('--tta', type=int, default=1); p.add_argument('--name', default=None)
    p.add_argument('--figure', default=None, help='PNG of the error analysis by level')
    a = p.parse_args()
    name = a.name or f'base_levels_{a.split}' + (f'_tta{a.tta}' if a.tta > 1 else '')
    specs = benchmark_views(a.split); make_benchmark(a.root, a.split, progress=False)
    base = BaseModel.load(a.base)
    rows, analyses = {}, {}
    t0 = time.time()
    for spec in specs:
        g = load_grids(a.root, [spec.view], base.channels, base.stats, a.storage)[0]
        pred = (sigmoid(grid_logits(base, g, tta=a.tta)) > 0.5) & g.mask
        s = score_lines(pred, g.gt, g.mask)
        cl = classical_baselines(Mirror(a.root, spec.view, storage=a.storage))
        ea = view_error_analysis(a.root, spec.view, pred, g.gt, g.mask, thin_gt(g.gt))
        rows[spec.view] = dict(level=spec.level, difficulty=spec.difficulty, base=s, otsu=cl['otsu']['pfm'],
                               sauvola=cl['sauvola']['pfm'], sauvola_window=cl['sauvola']['window'],
                               margin=s['pfm'] - cl['sauvola']['pfm'], error_analysis=ea)
        analyses.setdefault(spec.level, []).append(ea)
        print(f"{spec.view} {spec.level:7s} base pFM {s['pfm']:.3f} (F1 {s['f1']:.3f}, IoU {s['iou']:.3f})  Otsu {cl['otsu']['pfm']:.3f}  "
              f"Sauvola {cl['sauvola']['pfm']:.3f} ({cl['sauvola']['window']})  margin {s['pfm'] - cl['sauvola']['pfm']:+.3f}", flush=True)
    levels = {}
    for level in dict.fromkeys(r['level'] for r in rows.values()):
        rs = [r for r in rows.values() if r['level'] == level]
        mean = lambda f: float(np.mean([f(r) for r in rs]))
        merged = merge_error_analyses(analyses[level]) if any(x is not None for x in analyses[level]) else None
        levels[level] = dict(n=len(rs), base_pfm=mean(lambda r: r['base']['pfm']), base_f1=mean(lambda r: r['base']['f1']),
                             base_iou=mean(lambda r: r['base']['iou']), otsu=mean(lambda r: r['otsu']), sauvola=mean(lambda r: r['sauvola']),
                             margin=mean(lambda r: r['margin']), min_margin=float(min(r['margin'] for r in rs)),
                             min_base_pfm=float(min(r['base']['pfm'] for r in rs)), error_analysis=merged)
        L = levels[level]
        print(f"level {level:7s} ({L['n']} mirrors): base pFM {L['base_pfm']:.3f} (min {L['min_base_pfm']:.3f})  Otsu {L['otsu']:.3f}  "
              f"Sauvola {L['sauvola']:.3f}  margin {L['margin']:+.3f} (min {L['min_margin']:+.3f})")
        if merged:
            rk = {k: None if v['recall'] is None else round(v['recall'], 3) for k, v in merged['recall']['kind'].items()}
            rc = {k: None if v['recall'] is None else round(v['recall'], 3) for k, v in merged['recall']['condition'].items()}
            fp = {k: round(v, 3) for k, v in merged['false_positives']['share'].items()}
            print(f"   recall by kind {rk}\n   recall by condition {rc}\n   false positives ({merged['false_positives']['share_of_prediction']:.1%} of the prediction) {fp}")
    rep = dict(base=a.base, split=a.split, tta=a.tta, seconds=round(time.time() - t0, 1), mirrors=rows, levels=levels,
               base_meta={k: v for k, v in base.meta.get('report', {}).items() if k in ('preset', 'epochs_run', 'train_s', 'samples_per_epoch', 'lr', 'bs')})
    if a.figure:
        import matplotlib; matplotlib.use('Agg')
        groups = {k: v['error_analysis'] for k, v in levels.items() if v['error_analysis']}
        fig = plot_error_analysis(groups, f'base model {Path(a.base).name} on the {a.split} mirrors, by level')
        Path(a.figure).parent.mkdir(parents=True, exist_ok=True); fig.savefig(a.figure, dpi=70); rep['figure'] = a.figure
        print('figure', a.figure)
    print('saved', save_result(name, rep))

if __name__ == '__main__': main()
