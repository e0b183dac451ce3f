"""Learning from the annotator: the shipped refiner fine-tuned on annotation sessions, measured on held-out tiles.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/finetune_sessions.py            # the 3 classic test mirrors (~15 min on 2 cores)
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/finetune_sessions.py --views SYN-0101_R

For each mirror (generated with `ff_make_benchmark data/benchmark --split test --level classic` if missing): the tiles that
hold GT lines are split 50/50 at random (seeded) into *session tiles* and *held-out tiles*. A simulated annotator
(`fusing_forces.finetune.simulated_session`: the paper's stroke rule on the current mask, drawn as polylines through
`AnnotationSession.stroke`, with the shipped refiner and the default locality) works `--strokes` strokes on each
session tile, in a real session folder (SQLite store). The shipped refiner is then fine-tuned on that session's
training set (`session_training_set`: one sample per stroke, the tile's final mask as target; `finetune_refiner`,
fixed settings chosen before looking at held-out results) and both refiners are measured on the held-out tiles:

- single-stroke gain (the project's refiner metric): mean pFM(Y′)/pFM(Y^Δ) over tiles × `--draws` simulated strokes on
  the base prediction (`held_out_gain`; the same strokes for both refiners, so the difference is paired, with a
  bootstrap 95 % interval over samples);
- a held-out replay: the same simulated annotator, `--strokes` strokes on every held-out tile, once with each refiner
  (same seed), and the pFM of the held-out tiles at the end (refined, and manual-only: the strokes burned into the
  base prediction).

Y is the base model's blended whole-mirror prediction (`predict_grid`), as the page shows it.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

def pfm_of_tiles(session, tiles, mask_of)->float:
    "pFM of the tiles `tiles` of a session's mirror (counts summed over the tiles) for the tile masks `mask_of(k)`."
    from fusing_forces.metrics import Counts
    total = Counts()
    for k in tiles: total = total + session.scorer.counts(mask_of(k), session.window(k))
    return float(total.pfm)

def one_mirror(root, view, strokes, draws, epochs, lr, seed, out):
    import torch
    from fusing_forces.app import session_from_etmira
    from fusing_forces.session import AnnotationSession
    from fusing_forces.finetune import simulated_session, session_training_set, finetune_refiner, held_out_gain
    torch.set_num_threads(2)
    t0 = time.time()
    s = session_from_etmira(root, view, session_dir=out/view, storage=out/'cache')
    shipped = s.refiner
    tiles = [k for k in s.tile_order() if s.scorer.gt[s.window(k)].any()]
    perm = np.random.default_rng(seed).permutation(len(tiles)); half = len(tiles)//2
    session_tiles, held = sorted(tiles[i] for i in perm[:half]), sorted(tiles[i] for i in perm[half:])
    t = time.time(); n = simulated_session(s, session_tiles, strokes=strokes, seed=seed); t_session = time.time() - t
    ts = session_training_set(s)
    ft, rep = finetune_refiner(shipped, [ts], epochs=epochs, lr=lr, seed=seed)
    corners = [tuple(map(int, s.windows[k])) for k in held]
    g0, g1 = (held_out_gain(r, s.x, s.scorer.gt, s.base_logits, corners, draws=draws, seed=seed + 1) for r in (shipped, ft))
    diff = np.array(g1['ratios']) - np.array(g0['ratios'])
    boot = np.random.default_rng(0).choice(diff, (2000, len(diff))).mean(1)
    replay = {}
    for name, r in (('shipped', shipped), ('finetuned', ft)):
        h = AnnotationSession(s.x, s.base_logits, r, mask=s.mask, gt=s.scorer.gt, view=view)   # in memory
        simulated_session(h, held, strokes=strokes, seed=seed + 2)
        replay[name] = dict(refined_pfm=pfm_of_tiles(h, held, lambda k: h.grid_mask(h.window(k))), strokes=len(h.done),
                            manual_only_pfm=pfm_of_tiles(h, held, h.manual_only_mask))
    replay['base_pfm'] = pfm_of_tiles(s, held, lambda k: (s.base_logits[s.window(k)] > 0) & s.mask[s.window(k)])
    s.close()
    return dict(view=view, grid=list(s.shape), tiles_with_lines=len(tiles), session_tiles=len(session_tiles), held_out_tiles=len(held),
                session_strokes=n, session_seconds=round(t_session, 1), training_samples=int(len(ts['sample_tile'])), finetune=rep,
                single_stroke_gain=dict(shipped={k: v for k, v in g0.items() if k != 'ratios'}, finetuned={k: v for k, v in g1.items() if k != 'ratios'},
                                        paired_difference=dict(mean=float(diff.mean()), ci95=[float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))])),
                held_out_replay=replay, seconds=round(time.time() - t0, 1))

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default=str(ROOT/'data/benchmark')); ap.add_argument('--views', default='SYN-0101_R,SYN-0102_R,SYN-0103_R')
    ap.add_argument('--strokes', type=int, default=8); ap.add_argument('--draws', type=int, default=5)
    ap.add_argument('--epochs', type=int, default=5); ap.add_argument('--lr', type=float, default=1e-4); ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from _machine import save_result
    from fusing_forces.data import view_files
    views = args.views.split(',')
    if any(not view_files(args.root, v).depth.is_file() for v in views):
        from fusing_forces.benchmark import make_benchmark
        make_benchmark(args.root, 'test', level='classic')
    up0 = subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()
    out = Path(tempfile.mkdtemp(prefix='ff_finetune_bench_'))
    runs = [one_mirror(args.root, v, args.strokes, args.draws, args.epochs, args.lr, args.seed, out) for v in views]
    res = dict(settings=vars(args), mirrors=runs, uptime_before=up0, uptime_after=subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip())
    for r in runs:
        g = r['single_stroke_gain']; rp = r['held_out_replay']
        print(f"{r['view']}: {r['session_strokes']} session strokes on {r['session_tiles']} tiles -> {r['training_samples']} samples, "
              f"fine-tuned in {r['finetune']['seconds']:.0f} s; held-out ({r['held_out_tiles']} tiles): single-stroke gain "
              f"{g['shipped']['mean']:.4f} -> {g['finetuned']['mean']:.4f} (paired diff {g['paired_difference']['mean']:+.4f}, "
              f"95% CI {g['paired_difference']['ci95'][0]:+.4f}..{g['paired_difference']['ci95'][1]:+.4f}, n {g['shipped']['n']}); "
              f"replay pFM base {rp['base_pfm']:.4f}, shipped {rp['shipped']['refined_pfm']:.4f} (manual {rp['shipped']['manual_only_pfm']:.4f}), "
              f"fine-tuned {rp['finetuned']['refined_pfm']:.4f} (manual {rp['finetuned']['manual_only_pfm']:.4f})")
    print(f"uptime before: {up0}\nuptime after:  {res['uptime_after']}")
    print('wrote', save_result('finetune_sessions', res))
