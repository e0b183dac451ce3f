"""Can a guard carry the refiner's far additions to the stroke? Two measured alternatives to the `connected` guard (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/guard_variants.py [--refiner weights/refiner_default.pth] [--split valid]

On the fixed stroke draws of the split's tiles (default: the validation mirrors, as for any selection), the shipped
refiner's network output is accepted in three ways, each compared with the first on the same strokes:
- `connected`: the shipped guard — changes in the stroke's direction in 8-connected regions touching the stroke;
- `chained:G`: also the changed regions within G px of those already accepted, repeatedly (far pieces of the same
  line that the network restored with a small gap);
- `bridged:T`: `connected`, then up to two minimal paths (skimage MCP, 8-connected) from the stroke's line to other
  line pieces within 48 px, through a cost that is low in the depth's grooves (exp(−contrast), contrast = Gaussian
  σ 4 minus σ 1 of the depth, in units of its standard deviation); a path is drawn 5 px wide when its mean cost is
  ≤ T (the cost's median on the GT skeleton and on the background is printed and stored);
- `hysteresis:T`: the network's additions are accepted down to logit T < 0 (instead of 0) where they are
  8-connected to the add stroke through accepted pixels, as in hysteresis thresholding; the refiner's logit on the
  missed skeleton away from the stroke is soft (its quantiles are printed), so this asks whether that soft evidence follows the line.
Writes bench/results/guard_variants_<split>.json: per variant the analysis summary, the paired difference of ratio,
reach and strokes-made-worse to `connected`, and the bridges drawn per stroke.
"""
import argparse, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, require_weights
import numpy as np
from scipy import ndimage
from skimage.graph import MCP_Geometric
from fusing_forces.benchmark import view_ids, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits
from fusing_forces.refiner import Refiner, force_strokes, connected_changes, FORCED_LOGIT
from fusing_forces.analysis import stroke_cases, stroke_effects, summarise, paired_difference
from fusing_forces.tiles import PATCH

ROOT = Path(__file__).resolve().parent.parent   # defaults are the repository's, from any working directory
EIGHT = np.ones((3, 3), bool)

def chained_changes(new, previous, stroke, gap:float):
    "Changes in the stroke's direction in regions touching the stroke, then in regions within `gap` px of the accepted ones, until none is added."
    keep = np.zeros(new.shape, bool)
    for sign, changed in ((1, (new > 0) & ~(previous > 0)), (-1, (previous > 0) & ~(new > 0))):
        st = stroke == sign
        if not (st.any() and changed.any()): continue
        lab, n = ndimage.label(changed, EIGHT); acc = np.zeros(n + 1, bool)
        acc[np.unique(lab[ndimage.binary_dilation(st, EIGHT)])] = True; acc[0] = False
        while True:
            ids = np.unique(lab[(ndimage.distance_transform_edt(~(acc[lab] | st)) <= gap) & (lab > 0)])
            if acc[ids].all(): break
            acc[ids] = True
        keep |= acc[lab] & (lab > 0)
    return np.where(keep, new, previous).astype(np.float32)

def groove_cost(depth:np.ndarray)->np.ndarray:
    "Path cost per pixel: exp(−contrast), contrast = (G_σ4 − G_σ1)(depth) / its standard deviation, clipped to [−2, 3]."
    c = ndimage.gaussian_filter(depth, 4) - ndimage.gaussian_filter(depth, 1)
    return np.exp(-np.clip(c / (c.std() + 1e-6), -2, 3)).astype(np.float64)

def bridges(mask, depth, stroke, tau:float, max_len:int=48, n:int=2, width:float=2.0):
    "`mask` with up to `n` minimal paths from the add stroke's component to other components (≤ `max_len` px, mean cost ≤ `tau`); and their number."
    st = stroke > 0
    if not st.any(): return mask, 0
    lab, _ = ndimage.label(mask | st, EIGHT)
    own = np.isin(lab, np.unique(lab[ndimage.binary_dilation(st, EIGHT)])) & (lab > 0)
    others = (lab > 0) & ~own & (ndimage.distance_transform_edt(~own) <= max_len)
    out, drawn, cost = mask.copy(), 0, None
    starts = [tuple(p) for p in np.argwhere(own & ndimage.binary_dilation(~own, EIGHT))]   # the component's rim
    for _ in range(n):
        if not others.any(): break
        if cost is None: cost = groove_cost(depth)
        ends = np.argwhere(others); mcp = MCP_Geometric(cost, fully_connected=True)
        costs, _ = mcp.find_costs(starts, [tuple(p) for p in ends], find_all_ends=False)
        e = tuple(ends[np.argmin(costs[others])]); path = np.array(mcp.traceback(e))
        others &= lab != lab[e]   # the next path goes to another piece
        if len(path) > max_len or costs[e] / len(path) > tau: continue
        p = np.zeros(mask.shape, bool); p[path[:, 0], path[:, 1]] = True
        out |= ndimage.distance_transform_edt(~p) <= width; drawn += 1
    return out, drawn

class GuardVariant:
    "The refiner's network output accepted by `kind`: 'chained' (gap `value`), 'bridged' (mean-cost limit `value`) or 'hysteresis' (logit `value`)."
    def __init__(self, ref:Refiner, kind:str, value:float): self.ref, self.kind, self.value, self.drawn = ref, kind, value, []
    def refine_batch(self, x, y, strokes, new_stroke=None, **_):
        newest = strokes if new_stroke is None else new_stroke
        if self.kind in ('chained', 'hysteresis'):
            out = self.ref.network(x, y, strokes)
            if self.kind == 'chained': out = np.stack([chained_changes(o, p, s, self.value) for o, p, s in zip(out, y, newest)])
            else:
                out = np.where((out > self.value) & (out <= 0) & ~(y > 0), 0.5, out)   # weak additions made, then the connected guard
                out = np.stack([connected_changes(o, p, s) for o, p, s in zip(out, y, newest)])
        else:
            out = self.ref.refine_batch(x, y, strokes, new_stroke=newest, guard='connected', iterations=1, locality=None)
            res = []
            for xi, o, s in zip(x, out, newest):
                m, k = bridges(o > 0, xi[0], s, self.value); self.drawn.append(k)
                res.append(np.where(m & ~(o > 0), FORCED_LOGIT, o))
            out = np.stack(res)
        return np.stack([force_strokes(o, s) for o, s in zip(out, strokes)]).astype(np.float32)

def variant_arg(text):
    out = []
    for item in text.split(','):
        kind, _, v = item.partition(':')
        try:
            if kind not in ('chained', 'bridged', 'hysteresis'): raise ValueError
            val = float(v)
            if (val >= 0) if kind == 'hysteresis' else (val <= 0): raise ValueError
        except ValueError: raise argparse.ArgumentTypeError(f"{item!r}: expected chained:GAP or bridged:MEAN_COST (positive) or hysteresis:LOGIT (negative)")
        out.append((kind, val))
    return out

def case_args(p:argparse.ArgumentParser):
    "The options that fix the strokes and models (shared with `bench/trace_variants.py`)."
    p.add_argument('--root', default=str(ROOT/'data/benchmark')); p.add_argument('--storage', default=str(ROOT/'data/cache'))
    p.add_argument('--base', default=str(ROOT/'weights/base_default.pth')); p.add_argument('--refiner', default=str(ROOT/'weights/refiner_default.pth'))
    p.add_argument('--split', default='valid'); p.add_argument('--draws', type=int, default=5); p.add_argument('--seed', type=int, default=0)

def load_cases(a):
    "The split's views, the shipped refiner and the fixed stroke draws on its tiles, as `case_args` asked."
    require_weights(a.base, 'base', '--base'); require_weights(a.refiner, 'refiner', '--refiner')   # before the benchmark loads
    try: views = view_ids(a.split)
    except ValueError as e: sys.exit(f"error: --split: {e}")
    try: make_benchmark(a.root, a.split, views=views, progress=False)
    except ValueError as e: sys.exit(f"error: {e}")   # a --root that is not a folder
    base, ref = BaseModel.load(a.base), Refiner.load(a.refiner)
    grids = load_grids(a.root, views, base.channels, base.stats, a.storage)
    cases = stroke_cases(grids, [grid_logits(base, g, stride=PATCH) for g in grids], draws=a.draws, seed=a.seed)
    print(f"{len(cases)} strokes on {len({c.tile for c in cases})} tiles of {', '.join(views)}")
    return views, ref, cases

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    case_args(p)
    p.add_argument('--variants', type=variant_arg, default=variant_arg('chained:2,chained:4,chained:8,bridged:0.4,bridged:0.7,bridged:1.0,hysteresis:-0.5,hysteresis:-1,hysteresis:-2'))
    p.add_argument('--name', default=None)
    a = p.parse_args()
    views, ref, cases = load_cases(a)
    adds = [c for c in cases if c.stroke.max() > 0][:200]
    q = ref.network(np.stack([c.x for c in adds]), np.stack([c.y for c in adds]), np.stack([c.stroke for c in adds]))
    quantiles = dict(levels=[0.1, 0.25, 0.5, 0.75, 0.9],
                     missed_skeleton=np.quantile(np.concatenate([o[c.skeleton & ~(c.y > 0) & (c.stroke == 0)] for o, c in zip(q, adds)]), [0.1, 0.25, 0.5, 0.75, 0.9]).tolist(),
                     background=np.quantile(np.concatenate([o[~c.gt.astype(bool)] for o, c in zip(q, adds)]), [0.1, 0.25, 0.5, 0.75, 0.9]).tolist())
    costs = [groove_cost(c.x[0]) for c in adds]
    quantiles['cost_median'] = dict(gt_skeleton=float(np.median(np.concatenate([k[c.skeleton] for k, c in zip(costs, adds)]))),
                                    background=float(np.median(np.concatenate([k[~c.gt.astype(bool)] for k, c in zip(costs, adds)]))))
    print(f"the path cost's median on the GT skeleton {quantiles['cost_median']['gt_skeleton']:.2f}, on the background {quantiles['cost_median']['background']:.2f}")
    print("the network's logit (first 200 add strokes), quantiles", quantiles['levels'], "on the missed skeleton (not under the stroke)", np.round(quantiles['missed_skeleton'], 2),
          "on the background", np.round(quantiles['background'], 2))
    def show(name, r):
        s = r['summary']; d = r.get('paired_vs_connected', {})
        print(f"{name:15s} ratio {s['ratio']['mean']:.3f}  share {s['oracle_share']['mean']:.2f}  worse {s['worse']['mean']:.3f}  reach {s['reach']['mean']:.3f}"
              f"  16–32 px {s['reach_by_distance'][2]['restored']:.2f}" + (f"  bridges/stroke {r['bridges_per_stroke']:.2f}" if r.get('bridges_per_stroke') is not None else '')
              + ''.join(f"  Δ{k} {v['difference']:+.3f} [{v['ci'][0]:+.3f}, {v['ci'][1]:+.3f}]" for k, v in d.items()), flush=True)
    rows0 = stroke_effects(ref, cases, progress=True, guard='connected', iterations=1, locality=None)
    runs = {'connected': dict(summary=summarise(rows0, B=500))}; show('connected', runs['connected'])
    for kind, val in a.variants:
        t = time.time(); g = GuardVariant(ref, kind, val); rows = stroke_effects(g, cases, progress=True); s = summarise(rows, B=500)
        name = f'{kind}:{val:g}'
        runs[name] = dict(summary=s, seconds=round(time.time() - t, 1), bridges_per_stroke=float(np.mean(g.drawn)) if g.drawn else None,
                          paired_vs_connected={k: paired_difference(rows, rows0, k, B=500) for k in ('ratio', 'reach', 'worse')})
        show(name, runs[name])
    rep = dict(base=a.base, refiner=a.refiner, split=a.split, views=views, draws=a.draws, seed=a.seed, n_cases=len(cases), logit_quantiles=quantiles, runs=runs)
    print('saved', save_result(a.name or f'guard_variants_{a.split}', rep))

if __name__ == '__main__': main()
