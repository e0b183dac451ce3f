"""How good is the base prediction Y the refiner trains on, against the Y it meets in the evaluation? (issue 6)

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_logits_gap.py --base weights/base_default.pth

For the benchmark's training mirrors (what `train_refiner` crops its Y from) and the held-out test mirrors (what the
evaluation scores), over the non-overlapping 256 tiles with GT: the mean tile pFM of Y, the share of the GT that Y
misses, and the size of the largest missed 8-connected component per tile. Y on the training mirrors both ways: blended
overlapping windows (`train_logits='blended'`, the default) and each tile predicted on its own (`'window'`, as the
evaluation predicts a tile). Writes bench/results/train_logits_gap.json.
"""
import argparse, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
import numpy as np
from scipy import ndimage
from fusing_forces.benchmark import benchmark_views, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits, mirror_tiles
from fusing_forces.tiles import PATCH, crop
from fusing_forces.refiner import LOGIT_CLIP
from fusing_forces.metrics import pfm, thin_gt

def tile_stats(grids, logits):
    "Mean tile pFM, mean missed share of the GT, and the median / mean largest missed component over the tiles with GT."
    ps, missed, largest = [], [], []
    for (k, r, c) in mirror_tiles(grids):
        gt = crop(grids[k].gt, r, c, PATCH)
        if not gt.any(): continue
        y = crop(logits[k], r, c, PATCH, fill=-LOGIT_CLIP) > 0
        ps.append(pfm(y, gt, thin_gt(gt))); miss = gt & ~y; missed.append(miss.sum() / gt.sum())
        lab, n = ndimage.label(miss, np.ones((3, 3)))
        largest.append(int(np.bincount(lab.ravel())[1:].max()) if n else 0)
    return dict(tiles=len(ps), mean_tile_pfm=float(np.mean(ps)), missed_share=float(np.mean(missed)),
                largest_missed_component_median=float(np.median(largest)), largest_missed_component_mean=float(np.mean(largest)))

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth'))
    a = p.parse_args()
    make_benchmark(a.root)
    base = BaseModel.load(a.base)
    train = load_grids(a.root, [v.view for v in benchmark_views('train')], base.channels, base.stats, a.storage)
    test = load_grids(a.root, [v.view for v in benchmark_views('test')], base.channels, base.stats, a.storage)
    rep = dict(base=a.base,
               train_blended=tile_stats(train, [grid_logits(base, g) for g in train]),
               train_window=tile_stats(train, [grid_logits(base, g, stride=PATCH) for g in train]),
               test_window=tile_stats(test, [grid_logits(base, g, stride=PATCH) for g in test]))
    for k in ('train_blended', 'train_window', 'test_window'):
        s = rep[k]
        print(f"{k:14s} {s['tiles']} tiles: mean tile pFM {s['mean_tile_pfm']:.3f}, missed share of the GT {s['missed_share']:.3f}, "
              f"largest missed component median {s['largest_missed_component_median']:.0f} px (mean {s['largest_missed_component_mean']:.0f})")
    print('saved', save_result('train_logits_gap', rep))

if __name__ == '__main__': main()
