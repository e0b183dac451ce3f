"""Speed of the metrics and the simulated annotator (issue 4).

1. whole-mirror pFM on a 3358 x 4482 pair (half resolution of a full scan): `MirrorScorer` (GT thinned once)
   vs `pfm(pred, gt)` re-thinning the GT at every call (the authors' approach);
2. per-tile pFM on 256^2 tiles with the cached skeleton (vs re-thinning the tile);
3. stroke simulation per 256^2 patch: `simulate_stroke` (cached GT skeleton, and without a cache) vs a
   straightforward implementation of the authors' procedure (re-skeletonise the GT and the prediction,
   dilate the GT skeleton by disk(9), neighbour count by convolution, raster-order run, dilate by disk(3)).

Run: .venv/bin/python bench/metrics_strokes.py [--quick]
"""
import sys, time
from pathlib import Path
import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize, disk
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, machine_info
import torch
torch.set_num_threads(2)
from fusing_forces.metrics import MirrorScorer, pfm
from fusing_forces.strokes import simulate_stroke, STROKE_RADIUS, ERASE_TOLERANCE, RUN_LENGTH
from fusing_forces.lines import random_lines

QUICK = '--quick' in sys.argv
SHAPE = (3358, 4482)

def mirror_pair(shape, rng):
    "A GT of thick random curves inside an elliptical mirror mask, and a plausible prediction: gaps, thinner/thicker parts, spurious curves."
    H, W = shape
    yy, xx = np.ogrid[:H, :W]
    mask = ((yy - H / 2) / (0.48 * H)) ** 2 + ((xx - W / 2) / (0.48 * W)) ** 2 <= 1
    gt = random_lines(shape, 60, 3, rng) & mask
    holes = ndimage.binary_dilation(rng.random((H // 64, W // 64)) < 0.25, iterations=1)
    holes = np.kron(holes, np.ones((64, 64), bool))[:H, :W]
    holes = np.pad(holes, ((0, H - holes.shape[0]), (0, W - holes.shape[1])))
    pred = (ndimage.binary_erosion(gt) & ~holes) | (gt & holes & (rng.random(shape) < 0.3))
    pred |= random_lines(shape, 12, 2, rng) & mask
    return gt, pred, mask

def timed(f, n):
    "Median and all times (seconds) of `n` calls of `f`; the last result."
    ts = []
    for _ in range(n):
        t = time.perf_counter(); out = f(); ts.append(time.perf_counter() - t)
    return float(np.median(ts)), ts, out

# --- the straightforward implementation of the authors' stroke procedure ---------------------------------
def authors_stroke(pred, gt, kind, rng, radius=STROKE_RADIUS, tolerance=ERASE_TOLERANCE, run_length=RUN_LENGTH):
    "Re-skeletonise everything, raster-order run, morphological dilations (as in the original code)."
    gt_skel = skeletonize(gt)
    if kind == 'add': cand = gt_skel & ~pred
    else: cand = skeletonize(pred) & ~ndimage.binary_dilation(gt_skel, disk(tolerance))
    nbrs = ndimage.convolve(cand.astype(np.uint8), np.ones((3, 3), np.uint8), mode='constant') - cand
    branches = cand & (nbrs == 2)
    labels, n = ndimage.label(branches, np.ones((3, 3), int))
    if n == 0: return None
    largest = np.argmax(np.bincount(labels.ravel())[1:]) + 1
    rr, cc = np.nonzero(labels == largest)                       # raster order
    i = rng.integers(len(rr)); lo = max(0, i - run_length // 2)
    run = np.zeros_like(cand); run[rr[lo:lo + run_length], cc[lo:lo + run_length]] = True
    return ndimage.binary_dilation(run, disk(radius)).astype(np.int8) * (1 if kind == 'add' else -1)

def main():
    rng = np.random.default_rng(0)
    t0 = time.perf_counter(); gt, pred, mask = mirror_pair(SHAPE, rng)
    print(f"mirror pair {SHAPE}: GT {gt.mean():.3%} of pixels, built in {time.perf_counter() - t0:.1f} s", flush=True)

    # 1. whole-mirror pFM
    setup, _, scorer = timed(lambda: MirrorScorer(gt, mask), 1)
    cached, cached_ts, v_cached = timed(lambda: scorer.pfm(pred), 5 if QUICK else 30)
    rethin, rethin_ts, v_rethin = timed(lambda: pfm(pred & mask, gt), 1 if QUICK else 3)
    assert abs(v_cached - v_rethin) < 1e-12, (v_cached, v_rethin)
    print(f"whole-mirror pFM = {v_cached:.4f}", flush=True)

    # 2. per-tile pFM on the non-overlapping 256 tiles inside the mirror that contain GT
    grid = [(slice(r, r + 256), slice(c, c + 256)) for r in range(0, SHAPE[0] - 255, 256) for c in range(0, SHAPE[1] - 255, 256)]
    covered = (slice(0, 256 * (SHAPE[0] // 256)), slice(0, 256 * (SHAPE[1] // 256)))
    tiles_sum_equals_whole = sum(scorer.counts(pred, w) for w in grid) == scorer.counts(pred, covered)
    windows = [w for w in grid if gt[w].any()]
    tile_ts = []
    for w in windows:
        tile_ts.append(timed(lambda: scorer.pfm(pred, w), 3)[0])
    tile = float(np.median(tile_ts))
    sample = windows[:: max(1, len(windows) // (5 if QUICK else 20))]
    tile_rethin = float(np.median([timed(lambda: pfm(pred[w] & mask[w], gt[w]), 1)[0] for w in sample]))
    print(f"per-tile pFM: {len(windows)} tiles with GT", flush=True)

    # 3. stroke simulation per 256 patch (add and erase on the same patches)
    patches = windows[: 40 if QUICK else 200]
    res = {}
    for name, fn in [
        ('ours_cached_skeleton', lambda p, g, s, k, r: simulate_stroke(p, g, k, r, gt_skeleton=s)),
        ('ours_no_cache', lambda p, g, s, k, r: simulate_stroke(p, g, k, r)),
        ('authors_straightforward', lambda p, g, s, k, r: authors_stroke(p, g, k, r))]:
        per_kind = {'add': [], 'erase': []}; found = {'add': 0, 'erase': 0}; scattered = 0
        r = np.random.default_rng(1)
        for w in patches:
            g, s = scorer.tile(w); p = pred[w] & mask[w]
            for kind in ('add', 'erase'):
                t = time.perf_counter(); out = fn(p, g, s, kind, r); per_kind[kind].append(time.perf_counter() - t)
                found[kind] += out is not None
                if out is not None: scattered += ndimage.label(out != 0, np.ones((3, 3), int))[1] > 1
        both = np.array(per_kind['add']) + np.array(per_kind['erase'])
        res[name] = dict(add_ms=1e3 * float(np.median(per_kind['add'])), erase_ms=1e3 * float(np.median(per_kind['erase'])),
                         add_and_erase_ms=1e3 * float(np.median(both)), strokes_found=found,
                         strokes_in_several_pieces=int(scattered))
        print(f"strokes {name}: {res[name]}", flush=True)

    ours, base = res['ours_cached_skeleton'], res['authors_straightforward']
    result = dict(
        shape=list(SHAPE), quick=QUICK, gt_fraction=float(gt.mean()), pfm=v_cached,
        whole_mirror=dict(scorer_setup_s=setup, cached_ms=1e3 * cached, rethin_every_call_ms=1e3 * rethin,
                          ratio=rethin / cached, cached_runs=len(cached_ts), rethin_runs=len(rethin_ts)),
        tile_256=dict(n_tiles=len(windows), cached_median_ms=1e3 * tile, rethin_median_ms=1e3 * tile_rethin,
                      ratio=tile_rethin / tile, tiles_sum_equals_whole=bool(tiles_sum_equals_whole)),
        strokes_256=dict(n_patches=len(patches), **res,
                         ratio_add_and_erase=base['add_and_erase_ms'] / ours['add_and_erase_ms'],
                         ratio_no_cache=base['add_and_erase_ms'] / res['ours_no_cache']['add_and_erase_ms']),
    )
    path = save_result('metrics_strokes', result)
    m = machine_info()
    rows = [
        ('whole-mirror pFM 3358x4482', f"{1e3*cached:.2f} ms (cached skeleton)", f"{1e3*rethin:.0f} ms (re-thin every call)", f"{rethin/cached:.0f}x"),
        ('  MirrorScorer setup (thin once)', f"{setup:.2f} s", '', ''),
        ('per-tile pFM 256^2 (median)', f"{1e3*tile:.3f} ms", f"{1e3*tile_rethin:.1f} ms (re-thin tile)", f"{tile_rethin/tile:.0f}x"),
        ('stroke add, 256^2 (median)', f"{ours['add_ms']:.2f} ms", f"{base['add_ms']:.2f} ms", f"{base['add_ms']/ours['add_ms']:.1f}x"),
        ('stroke erase, 256^2 (median)', f"{ours['erase_ms']:.2f} ms", f"{base['erase_ms']:.2f} ms", f"{base['erase_ms']/ours['erase_ms']:.1f}x"),
        ('stroke add+erase per patch', f"{ours['add_and_erase_ms']:.2f} ms", f"{base['add_and_erase_ms']:.2f} ms", f"{result['strokes_256']['ratio_add_and_erase']:.1f}x"),
        ('  same, no cached GT skeleton', f"{res['ours_no_cache']['add_and_erase_ms']:.2f} ms", f"{base['add_and_erase_ms']:.2f} ms", f"{result['strokes_256']['ratio_no_cache']:.1f}x"),
    ]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, torch threads {m.get('torch_threads')}, GPU {m.get('gpu')}")
    print(f"{'measure':34} | {'fusing_forces':26} | {'straightforward':28} | ratio")
    print('-' * 100)
    for r in rows: print(f"{r[0]:34} | {r[1]:26} | {r[2]:28} | {r[3]}")
    print(f"strokes in several pieces (of {sum(ours['strokes_found'].values())}): along the branch {ours['strokes_in_several_pieces']}, "
          f"raster order {base['strokes_in_several_pieces']}")
    print(f"whole mirror = sum of its 256 tiles (counts): {result['tile_256']['tiles_sum_equals_whole']}")
    print(f"\nwritten {path}")

if __name__ == '__main__': main()
