"""Where does the share of the oracle's gain go, and does drawing the refiner's additions thinner buy it back? (issue 15)

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/addition_shapes.py [--refiner weights/refiner_default.pth] [--split valid]
        [--variants traced,erode:1,cap:2,radius:1.5,iterations:2,iterations:3] [--sim-variants traced,erode:1,cap:2] [--sim-seeds 5]

On the fixed stroke draws of the split's tiles (default: the validation mirrors, where settings are chosen), the refiner
with its shipped `traced` guard, and the same output with its additions (pixels it turned to line that were neither line
before nor stroke) reshaped after the guard:
- `erode:N`: additions that do not survive an N-px erosion of (additions ∪ the tile's lines ∪ strokes) are dropped
  (the rim of what it drew; additions joined to a line keep that side);
- `cap:R`: additions farther than R px from the skeleton of (additions ∪ lines ∪ strokes) are dropped (a cap on the
  drawn half-width that leaves narrow additions alone);
- `thresh:T`: additions whose refined logit is ≤ T are dropped (the network's less sure rim; the traced paths, drawn at
  the forced logit, stay). Measured 2026-12-03 on the validation strokes (`--variants traced,thresh:1,thresh:3`): it
  takes right line with the wrong — thresh:1 share 0.155 (traced 0.181), reach 36.3 % (47.3 %), worse 21.6 % (21.6 %),
  added px off the GT 52 % (53 %); thresh:3 share 0.110, reach 19.6 %, worse 22.1 %;
- `radius:R`: the traced paths drawn R px wide instead of the default (`trace_stroke(radius=…)`);
- `iterations:N`: N network passes, each fed the previous output as Y (`Refiner.refine_batch(iterations=N)`).
Per variant: the analysis summary (`fusing_forces.analysis.summarise`: ratio, share of the component oracle's gain, also
without the refiner's false changes and on strokes whose Y^Δ scores ≥ 0.5, pixels added on/off the GT, strokes made
worse, reach) and the paired differences to the first variant. With `--sim-variants`, the simulated annotator
(`fusing_forces.evaluation.simulate`, the paper's protocol) on `--sim-mirrors` with seeds 0…`--sim-seeds`−1 for each
of those variants: the manual input saved per mirror. Writes bench/results/addition_shapes_<split>.json.
"""
import argparse, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize
from guard_variants import case_args, load_cases
from fusing_forces.refiner import force_strokes
from fusing_forces.analysis import stroke_effects, summarise, paired_difference
from fusing_forces.benchmark import view_ids

EIGHT = np.ones((3, 3), bool)
KINDS = ('traced', 'erode', 'cap', 'thresh', 'radius', 'iterations')

def variant_arg(text:str)->list[tuple]:
    "[(kind, value)] from 'traced,erode:1,cap:2,…' (checked before anything loads)."
    out = []
    for item in filter(None, text.split(',')):
        kind, _, v = item.partition(':')
        try:
            if kind not in KINDS or (kind == 'traced') != (v == ''): raise ValueError
            val = None if kind == 'traced' else (int(v) if kind in ('erode', 'iterations') else float(v))
            if val is not None and val <= 0: raise ValueError
        except ValueError: raise argparse.ArgumentTypeError(f"{item!r}: expected traced, erode:N, cap:R, thresh:T, radius:R or iterations:N (N, R, T > 0)")
        out.append((kind, val))
    if not out: raise argparse.ArgumentTypeError("no variant given")
    return out

def name_of(kind, val)->str: return kind if val is None else f"{kind}:{val:g}"

class Shaped:
    "The refiner with its own guard (`traced`), its additions reshaped by one variant; the refine API's `refine_batch`."
    def __init__(self, ref, kind:str, val):
        self.ref, self.kind, self.val = ref, kind, val
        self.channels, self.model, self.guard, self.locality = ref.channels, ref.model, ref.guard, ref.locality   # what `simulate` reads
        self.iterations = int(val) if kind == 'iterations' else ref.iterations
    def refine_batch(self, x, base_logits, strokes, previous=None, new_stroke=None, **kw):
        kw.update(iterations=self.iterations)
        if self.kind == 'radius': kw['trace'] = dict(radius=self.val)
        out = self.ref.refine_batch(x, base_logits, strokes, previous=previous, new_stroke=new_stroke, **kw)
        if self.kind not in ('erode', 'cap', 'thresh'): return out
        prev, res = np.asarray(base_logits if previous is None else previous, np.float32), []
        for o, p, s in zip(out, prev, np.asarray(strokes)):
            had = (p > 0) | (s != 0); added = (o > 0) & ~had
            if self.kind == 'thresh': drop = added & (o <= self.val)
            elif self.kind == 'erode': drop = added & ~ndimage.binary_erosion(added | had, EIGHT, iterations=self.val, border_value=1)
            else: drop = added & (ndimage.distance_transform_edt(~skeletonize(added | had)) > self.val)
            res.append(force_strokes(np.where(drop, p, o), s))
        return np.stack(res).astype(np.float32)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    case_args(p)
    p.add_argument('--variants', type=variant_arg, default=variant_arg('traced,erode:1,cap:2,radius:1.5,iterations:2,iterations:3'))
    p.add_argument('--sim-variants', type=variant_arg, default=None)
    p.add_argument('--sim-mirrors', default='SYN-0201_R,SYN-0202_R,SYN-0221_R'); p.add_argument('--sim-seeds', type=int, default=5)
    p.add_argument('--name', default=None)
    a = p.parse_args()
    mirrors = [m.strip() for m in a.sim_mirrors.split(',')]
    try: known = view_ids(a.split)
    except ValueError as e: sys.exit(f"error: --split: {e}")
    if a.sim_variants and set(mirrors) - set(known):   # checked before the long stroke runs
        sys.exit(f"error: --sim-mirrors: {', '.join(sorted(set(mirrors) - set(known)))} not in the {a.split} split ({', '.join(known)})")
    views, ref, cases = load_cases(a)
    if ref.guard != 'traced': print(f"note: the refiner's own guard is {ref.guard!r}; the variants reshape its output under that guard")
    runs, rows0, first = {}, None, None
    for kind, val in a.variants:
        name = name_of(kind, val); t = time.time()
        rows = stroke_effects(Shaped(ref, kind, val), cases, progress=True)
        s = summarise(rows, B=500); s['seconds'] = round(time.time() - t, 1)
        if rows0 is None: rows0, first = rows, name
        else: s['paired_vs_first'] = {k: paired_difference(rows, rows0, k, B=500) for k in ('ratio', 'reach', 'worse', 'worse_1pct')}
        runs[name] = dict(summary=s)
        print(f"{name:14s} ratio {s['ratio']['mean']:.4f}  share {s['oracle_share']['mean']:.3f}  without false changes {s['oracle_share_clean']['mean']:.3f}"
              f"  on Y^Δ ≥ 0.5 {s['oracle_share_typical']['mean']:.3f}  added px wrong {100*s['add_pixels']['wrong_share']:.0f} %  worse {100*s['worse']['mean']:.1f} %"
              f" (> 1 %: {100*s['worse_1pct']['mean']:.1f} %)  reach {100*s['reach']['mean']:.1f} %  16–32 px {100*s['reach_by_distance'][2]['restored']:.0f} %"
              + ''.join(f"  Δ{k} {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]" for k, d in s.get('paired_vs_first', {}).items()), flush=True)
    rep = dict(base=a.base, refiner=a.refiner, split=a.split, views=views, draws=a.draws, seed=a.seed, n_cases=len(cases), first=first, runs=runs)
    if a.sim_variants:
        from fusing_forces.base_model import BaseModel
        from fusing_forces.evaluation import simulate
        base, sim = BaseModel.load(a.base), {}
        for kind, val in a.sim_variants:
            name = name_of(kind, val); t = time.time()
            _, summary = simulate(a.root, mirrors, base, Shaped(ref, kind, val), seeds=range(a.sim_seeds), storage=a.storage, plots=False)
            sim[name] = {m: dict(saved=s['manual_input_saved'], peak_gain=s['peak_gain'], min_gain_after_5pct=s['min_gain_after_5pct'],
                                 interactions=s['interactions'], seeds=s['seeds'], saving_per_seed=s['saving_per_seed'],   # for pairing by mirror and seed
                                 final_pfm_refined=s['final_pfm_refined'], final_pfm_manual=s['final_pfm_manual']) for m, s in summary.items()}
            print(f"simulation {name:14s} " + ', '.join(f"{m}: saved {100*v['saved']['mean']:.1f} ± {100*v['saved']['std']:.1f} %" for m, v in sim[name].items())
                  + f"  ({time.time() - t:.0f} s)", flush=True)
        rep['simulation'] = dict(mirrors=mirrors, seeds=a.sim_seeds, runs=sim)
    print('saved', save_result(a.name or f'addition_shapes_{a.split}', rep))

if __name__ == '__main__': main()
