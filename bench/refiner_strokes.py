"""What a stroke does, for one or more refiners, on fixed stroke draws of the benchmark's held-out tiles (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/refiner_strokes.py --refiners weights/refiner_default.pth \
        [--split test] [--settings connected:2,none:1,traced:1:anchor=0] [--figure docs/refiner_reach.png] [--name refiner_strokes_test]

For every non-overlapping tile with GT of the split's mirrors (default: the test mirrors; `--level classic` etc.
for one level), `--draws` simulated single strokes (the paper's rule) on the base model's tile prediction — the
same strokes for every refiner. Reports, with medians and tile-bootstrap 95 % intervals (`fusing_forces.analysis`):
the ratio pFM(Y')/pFM(Y^Δ), the component oracle and the share of its gain the refiner gets (also without the refiner's
false changes, and on the strokes whose manual-only tile scores ≥ 0.5), the pixels it changed on and off the GT, the refiner without a
stroke against the base prediction, the stroke effect, the reach of add strokes overall and by distance from the
stroke, the share of strokes that leave the tile worse (at all, and by more than 1 %); and the paired difference of
each refiner/setting to the first one. Writes bench/results/<name>.json and, with --figure, the reach-by-distance plot and the largest cases.
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, require_weights, repo
import numpy as np
from fusing_forces.benchmark import view_ids, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits
from fusing_forces.refiner import Refiner, GUARDS
from trace_variants import DEFAULTS, trace_settings
from fusing_forces.analysis import TYPICAL_PFM, stroke_cases, stroke_effects, summarise, paired_difference, plot_reach, plot_cases, largest_add_cases
from fusing_forces.tiles import PATCH

def settings_arg(text:str):
    "'default', or [(guard, iterations, locality or None, trace settings)] from 'guard:iterations[:locality][:name=value...],...' (checked before anything loads)."
    if text == 'default': return text
    out = []
    for item in text.split(','):
        q = item.split(':')
        try:
            kw = trace_settings([x for x in q[2:] if '=' in x])   # `trace_stroke` settings, of the traced guard only
            if kw and q[0] != 'traced': raise ValueError
            q = [x for x in q if '=' not in x]
            if len(q) not in (2, 3) or q[0] not in GUARDS: raise ValueError
            it, loc = int(q[1]), float(q[2]) if len(q) == 3 else None
            if it < 1 or (loc is not None and loc <= 0): raise ValueError
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(f"{item!r}: expected guard:iterations[:locality][:setting=value...] with guard in {GUARDS}, iterations ≥ 1, locality > 0, "
                                             f"and settings (traced only) among {', '.join(DEFAULTS)}")
        out.append((q[0], it, loc, kw))
    return out

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--refiners', default=repo('weights/refiner_default.pth'))
    p.add_argument('--settings', default='default', type=settings_arg,
                   help="comma-separated guard:iterations[:locality][:setting=value...] (e.g. none:1,connected:2,connected:1:16,traced:1:anchor=0); 'default' = each refiner's own")
    p.add_argument('--split', default='test'); p.add_argument('--level', default=None)
    p.add_argument('--draws', type=int, default=5); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--figure', default=None); p.add_argument('--name', default=None)
    a = p.parse_args()
    require_weights(a.base, 'base', '--base')   # before any mirror is generated or loaded
    for path in a.refiners.split(','): require_weights(path, 'refiner', '--refiners')
    try: views = view_ids(a.split, a.level)
    except ValueError as e: sys.exit(f"error: {e}")
    make_benchmark(a.root, a.split, views=views, progress=False)
    base = BaseModel.load(a.base)
    grids = load_grids(a.root, views, base.channels, base.stats, a.storage)
    cases = stroke_cases(grids, [grid_logits(base, g, stride=PATCH) for g in grids], draws=a.draws, seed=a.seed)
    print(f"{len(cases)} strokes on {len({c.tile for c in cases})} tiles of {', '.join(views)}")
    runs, rows0, first = {}, None, None
    for path in a.refiners.split(','):
        ref = Refiner.load(path)
        settings = [(ref.guard, ref.iterations, ref.locality, {})] if a.settings == 'default' else a.settings
        for guard, it, loc, kw in settings:
            key = f"{Path(path).stem} guard={guard} iterations={it}" + (f" locality={loc:g}" if loc else "") + ''.join(f" {k}={v:g}" for k, v in kw.items())
            t = time.time(); rows = stroke_effects(ref, cases, guard=guard, iterations=it, locality=loc, trace=kw or None); s = summarise(rows, B=1000)
            s['seconds'] = round(time.time() - t, 1)
            if rows0 is None: rows0, first = rows, key
            else: s['paired_vs_first'] = {k: paired_difference(rows, rows0, k, B=1000) for k in ('ratio', 'reach', 'worse', 'worse_1pct')}
            runs[key] = dict(summary=s, refiner=path, guard=guard, iterations=it, locality=loc, trace=kw)
            f = lambda k: f"{s[k]['mean']:.3f} [{s[k]['ci'][0]:.3f}, {s[k]['ci'][1]:.3f}] (median {s[k]['median']:.3f})"
            print(f"\n{key}\n  ratio {f('ratio')}\n  component oracle {f('oracle')}; share of its gain {s['oracle_share']['mean']:.2f} "
                  f"[{s['oracle_share']['ci'][0]:.2f}, {s['oracle_share']['ci'][1]:.2f}]\n  without a stroke vs base: this procedure {f('no_stroke')}, one plain network pass {f('network_no_stroke')}\n"
                  f"  share without its false changes {s['oracle_share_clean']['mean']:.2f} [{s['oracle_share_clean']['ci'][0]:.2f}, {s['oracle_share_clean']['ci'][1]:.2f}]; "
                  f"on the {s['oracle_share_typical']['n']} strokes whose Y^Δ scores ≥ {TYPICAL_PFM:g}: {s['oracle_share_typical']['mean']:.2f} [{s['oracle_share_typical']['ci'][0]:.2f}, {s['oracle_share_typical']['ci'][1]:.2f}]\n"
                  f"  pixels added on / off the GT {s['add_pixels']['right']} / {s['add_pixels']['wrong']} ({100*s['add_pixels']['wrong_share']:.0f} % wrong), "
                  f"erased off / on the GT {s['erase_pixels']['right']} / {s['erase_pixels']['wrong']} ({100*s['erase_pixels']['wrong_share']:.0f} % wrong)\n"
                  f"  stroke effect {f('stroke_effect')}\n  worse than Y^Δ {f('worse')}, by more than 1 % {f('worse_1pct')}\n  reach {f('reach')}\n  reach by distance "
                  + ', '.join(f"{b['bin']} px {b['restored']:.2f} [{b['ci'][0]:.2f}, {b['ci'][1]:.2f}]" for b in s['reach_by_distance']))
            if 'paired_vs_first' in s:
                print('  vs ' + first + ': ' + ', '.join(f"{k} {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]" for k, d in s['paired_vs_first'].items()))
            if a.figure and len(runs) == 1:
                shown = [cases[i] for i in largest_add_cases(cases, 4)]   # only the pictured strokes are refined again
                outs = ref.refine_batch(np.stack([c.x for c in shown]), np.stack([c.y for c in shown]), np.stack([c.stroke for c in shown]),
                                        new_stroke=np.stack([c.stroke for c in shown]), guard=guard, iterations=it, locality=loc, trace=kw or None)
                import matplotlib; matplotlib.use('Agg')
                fig = plot_cases(shown, [o > 0 for o in outs], n=4, title=key)
                Path(a.figure).parent.mkdir(parents=True, exist_ok=True); fig.savefig(a.figure.replace('.png', '_cases.png'), dpi=60)
    rep = dict(base=a.base, split=a.split, level=a.level, views=views, draws=a.draws, seed=a.seed, n_cases=len(cases), runs=runs)
    if a.figure:
        import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        plot_reach({k: v['summary'] for k, v in runs.items()}, ax, f'restored share of the touched missed skeleton ({a.split} tiles)')
        fig.tight_layout(); fig.savefig(a.figure, dpi=70); rep['figure'] = a.figure; print('figure', a.figure)
    print('saved', save_result(a.name or f'refiner_strokes_{a.split}', rep))

if __name__ == '__main__': main()
