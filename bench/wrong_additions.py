"""Where the refiner's wrong added pixels are, and whether anything it has could tell them from the right ones (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/wrong_additions.py [--refiner weights/refiner_default.pth] [--split valid]
        [--threads 1] [--name wrong_additions_valid]

On the fixed stroke draws of the split's tiles (default: the validation mirrors), every add stroke is refined as the
simulation refines it (the refiner's own guard and trace settings). Its *added* pixels are those it turned to line
that were neither line in Y nor stroke; an added pixel is *right* on the GT, *wrong* off it. Per split:
- how many added pixels come from the `traced` guard's paths and how many from the network's own connected changes,
  and the wrong share of each;
- the wrong pixels by distance from the GT (≤ 1, 1–2, 2–3, > 3 px); for those within 3 px, what the nearest GT pixel
  is: restored by the same stroke (the restored line drawn wider than, or beside, the engraving), already line in Y
  (beside a line the tile had), or still missed (a line drawn beside one it did not restore);
- the wrong pixels within `ERASE_TOLERANCE` (9) px of the GT skeleton: the paper's simulated annotator erases only
  predicted skeleton farther than that, so there they stay for the rest of the run;
- the skeleton of the additions by distance from the GT skeleton (how far the restored line runs from the engraving's
  centre line);
- the mean standardised depth (grooves are low) on right and wrong added pixels, on the GT and on the background;
- for each thing the refiner has at a pixel, the AUC of right against wrong added pixels, and of right against
  the wrong ones within 3 px of the GT (0.5: no separation; below 0.5, lower values mark the right ones):
  the network's logit, the depth, the depth's contrast (depth minus its Gaussian blur at σ 4 px), the deepest depth
  within 2 px, the distance from the stroke, from Y's lines, and whether a traced path drew the pixel.
Writes bench/results/<name>.json.
"""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
import numpy as np
from scipy import ndimage
from scipy.stats import rankdata
from skimage.morphology import skeletonize
from guard_variants import case_args, load_cases
from fusing_forces.refiner import trace_stroke, connected_changes, closing_strokes
from fusing_forces.strokes import ERASE_TOLERANCE

BANDS = ((-np.inf, 1), (1, 2), (2, 3), (3, np.inf))
FEATURES = ('logit', 'depth', 'contrast', 'deepest_2px', 'dist_stroke', 'dist_lines', 'traced')

def auc(score:np.ndarray, positive:np.ndarray)->float|None:
    "Probability that a positive scores above a negative (ties count ½); None without both classes."
    positive = np.asarray(positive, bool); n1 = int(positive.sum()); n0 = len(positive) - n1
    if not (n1 and n0): return None
    return float((rankdata(score)[positive].sum() - n1*(n1 + 1)/2) / (n1*n0))

def band_counts(d:np.ndarray, sel:np.ndarray)->list[int]: return [int((sel & (d > lo) & (d <= hi)).sum()) for lo, hi in BANDS]

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    case_args(p)
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument('--name', default=None)
    a = p.parse_args()
    if a.threads is not None and a.threads < 1: p.error(f"--threads: expected ≥ 1, got {a.threads}")
    import torch
    if a.threads: torch.set_num_threads(a.threads)
    views, ref, cases = load_cases(a)
    adds = [c for c in cases if c.stroke.max() > 0]
    trace = ref.trace or {}; ends = {k: trace[k] for k in ('local', 'anchor') if k in trace}
    n = dict(added=0, wrong=0, traced=0, traced_wrong=0, wrong_by_gt_distance=[0]*4, near_nearest_restored=0, near_nearest_in_y=0,
             near_nearest_missed=0, wrong_within_erase_tolerance=0, skeleton_by_gt_skeleton_distance=[0]*4)
    depth_sums = dict(right=0.0, wrong=0.0, gt=0.0, background=0.0); depth_n = dict.fromkeys(depth_sums, 0)
    feats, right, near = {k: [] for k in FEATURES}, [], []
    for i in range(0, len(adds), 16):
        cs = adds[i:i+16]
        x, y, s = (np.stack([getattr(c, k) for c in cs]) for k in ('x', 'y', 'stroke'))
        net, out = ref.network(x, y, s), ref.refine_batch(x, y, s)
        for c, o, q in zip(cs, out, net):
            gt, lines = c.gt.astype(bool), c.y > 0
            added = (o > 0) & ~lines & (c.stroke == 0)
            connected = connected_changes(q, c.y, np.where(closing_strokes(c.stroke, c.y, **ends), 0, c.stroke)) > 0
            traced = added & trace_stroke(q, c.y, c.stroke, **trace) & ~connected
            wrong, good = added & ~gt, added & gt
            n['added'] += int(added.sum()); n['wrong'] += int(wrong.sum())
            n['traced'] += int(traced.sum()); n['traced_wrong'] += int((traced & ~gt).sum())
            dgt, (ny, nx) = ndimage.distance_transform_edt(~gt, return_indices=True)
            for k, v in enumerate(band_counts(dgt, wrong)): n['wrong_by_gt_distance'][k] += v
            close = wrong & (dgt <= 3); yy, xx = ny[close], nx[close]
            n['near_nearest_restored'] += int(added[yy, xx].sum()); n['near_nearest_in_y'] += int(lines[yy, xx].sum())
            n['near_nearest_missed'] += int((~(o > 0))[yy, xx].sum())
            dsk = ndimage.distance_transform_edt(~c.skeleton.astype(bool))
            n['wrong_within_erase_tolerance'] += int((wrong & (dsk <= ERASE_TOLERANCE)).sum())
            for k, v in enumerate(band_counts(dsk, skeletonize(added | (c.stroke > 0)) & added)): n['skeleton_by_gt_skeleton_distance'][k] += v
            d = c.x[0]
            for key, sel in (('right', good), ('wrong', wrong), ('gt', gt), ('background', ~gt)):
                depth_sums[key] += float(d[sel].sum()); depth_n[key] += int(sel.sum())
            if not added.any(): continue
            f = dict(logit=q, depth=d, contrast=d - ndimage.gaussian_filter(d, 4), deepest_2px=ndimage.minimum_filter(d, 5),
                     dist_stroke=ndimage.distance_transform_edt(c.stroke == 0), dist_lines=ndimage.distance_transform_edt(~lines),
                     traced=traced.astype(np.float32))
            for k in FEATURES: feats[k].append(f[k][added])
            right.append(gt[added]); near.append(dgt[added] <= 3)
        print(f"\r{min(i + 16, len(adds))}/{len(adds)} add strokes", end='', flush=True)
    print()
    right, near = np.concatenate(right), np.concatenate(near); pair = right | near
    aucs = {k: dict(right_vs_wrong=auc(v := np.concatenate(feats[k]), right), right_vs_wrong_within_3px=auc(v[pair], right[pair]),
                    median_right=float(np.median(v[right])), median_wrong=float(np.median(v[~right]))) for k in FEATURES}
    depth = {k: depth_sums[k] / max(depth_n[k], 1) for k in depth_sums}
    w, nearest = n['wrong'], n['near_nearest_restored'] + n['near_nearest_in_y'] + n['near_nearest_missed']
    print(f"{n['added']} added px on {len(adds)} add strokes, {100*w/n['added']:.0f} % off the GT; traced paths drew {100*n['traced']/n['added']:.0f} % "
          f"of them ({100*n['traced_wrong']/max(n['traced'], 1):.0f} % wrong), the network's connected changes the rest "
          f"({100*(w - n['traced_wrong'])/max(n['added'] - n['traced'], 1):.0f} % wrong)")
    print('wrong px by distance from the GT (≤1 / 1–2 / 2–3 / >3 px): ' + ' / '.join(f"{100*v/w:.0f} %" for v in n['wrong_by_gt_distance']))
    print(f"within 3 px, the nearest GT pixel is restored by the same stroke {100*n['near_nearest_restored']/max(nearest, 1):.0f} %, "
          f"line in Y {100*n['near_nearest_in_y']/max(nearest, 1):.0f} %, still missed {100*n['near_nearest_missed']/max(nearest, 1):.0f} %")
    print(f"{100*n['wrong_within_erase_tolerance']/w:.0f} % of the wrong px lie within {ERASE_TOLERANCE} px of the GT skeleton, where the simulated annotator never erases")
    sk = n['skeleton_by_gt_skeleton_distance']
    print("the additions' skeleton by distance from the GT skeleton (≤1 / 1–2 / 2–3 / >3 px): " + ' / '.join(f"{100*v/sum(sk):.0f} %" for v in sk))
    print('mean standardised depth: ' + ', '.join(f"{k} {v:+.3f}" for k, v in depth.items()))
    for k, v in aucs.items():
        print(f"{k:12s} AUC right vs wrong {v['right_vs_wrong']:.3f}, vs wrong within 3 px {v['right_vs_wrong_within_3px']:.3f}  (median right {v['median_right']:+.3f}, wrong {v['median_wrong']:+.3f})")
    rep = dict(base=a.base, refiner=a.refiner, split=a.split, views=views, draws=a.draws, seed=a.seed, n_add_strokes=len(adds),
               guard=ref.guard, trace=ref.trace, counts=n, mean_depth=depth, auc=aucs)
    print('saved', save_result(a.name or f'wrong_additions_{a.split}', rep))

if __name__ == '__main__': main()
