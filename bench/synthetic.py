"""Acceptance measurements of the synthetic benchmark (issue 3).

- speed: one full-size 8964 × 6716 mirror generated in memory (stage timings), and the groove stage against
  the straightforward implementation (one distance transform over the whole raster) in the same run;
- difficulty, per test mirror: pFM of Otsu and of Sauvola (k = 0.2, best window of a sweep) on the preprocessed
  depth, inside the mirror mask — the calibration target is ≤ 0.5; for information also a tuned classical
  baseline (Gaussian pre-blur, best of a k × window sweep), which is stronger than the target's baselines;
- realism: preprocessed-depth statistics inside the mask beside the paper's ETMIRA values; line half-widths
  measured like the paper (DT on the skeleton, ±2 std trimmed, gamma fit) beside a = 49.13, loc = −4.28,
  scale = 0.213; non-overlapping 512 px tiles per test mirror.

- learnability (with --cnn-steps N): a tiny UNet (≈0.1 M parameters, a proxy, NOT the project's base model)
  trained N steps on CPU on patches of the training mirrors, scored on the whole test mirrors — a lower bound
  on what a trained CNN reaches, to show that the lines stay recognisable where thresholds fail.

Run: `.venv/bin/python bench/synthetic.py [--dest DIR] [--skip-fullsize] [--cnn-steps 1500]` (6 min + the CNN check).
With --dest the test mirrors are also written there (ETMIRA layout), e.g. for the base-model evaluation.
"""
import argparse, sys, tempfile, time
from pathlib import Path
import numpy as np
from scipy import ndimage, stats
from skimage.filters import gaussian

sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, machine_info
from fusing_forces.benchmark import TEST_VIEWS, TRAIN_VIEWS
from fusing_forces.baselines import otsu_lines, sauvola_lines
from fusing_forces.lines import PAPER_HALF_WIDTH, line_halfwidths, fit_half_width
from fusing_forces.line_art import design, mirror_geometry, allowed_points
from fusing_forces.grooves import groove_attributes, render_nearest
from fusing_forces.synthetic import make_mirror, write_mirror, DEFAULT_DPI
from fusing_forces.readers import preprocess_depth, REAL_STATS
from fusing_forces.metrics import counts, thin_gt

SAUVOLA_WINDOWS = (15, 25, 35, 51, 75, 101)
TUNED = dict(blur=(0, 2.0), k=(0.1, 0.2, 0.35), windows=(31, 51, 101))

def straightforward_grooves(shape, yx, radius, amplitude, gt_radius):
    "The obvious implementation: one distance transform with indices over the whole raster."
    H, W = shape
    iy, ix = np.rint(yx[:, 0]).astype(int), np.rint(yx[:, 1]).astype(int)
    ok = (iy >= 0) & (iy < H) & (ix >= 0) & (ix < W)
    index = np.full(shape, -1, np.int32); index[iy[ok], ix[ok]] = np.flatnonzero(ok)
    d, (ny, nx) = ndimage.distance_transform_edt(index < 0, return_indices=True)
    near = index[ny, nx]
    cut = (amplitude[near] * np.clip(1 - (d / radius[near])**2, 0, None)).astype(np.float32)
    return cut, d <= gt_radius[near]

def fullsize(seed=7, H=6716, W=8964):
    tm = {}
    t0 = time.perf_counter(); m = make_mirror(seed, H, W, timings=tm); total = time.perf_counter() - t0
    gt_pixels = int(m['gt'].sum())
    with tempfile.TemporaryDirectory() as root:   # writing the five files (≈ 1.2 GB, uncompressed float32 TIFFs)
        t0 = time.perf_counter(); vf = write_mirror(root, 'SYN-9999_R', m); write_s = time.perf_counter() - t0
        written_mb = sum(getattr(vf, k).stat().st_size for k in ('normals', 'albedo', 'depth', 'gt', 'mask')) / 2**20
    del m
    # groove stage alone: blockwise (ours) against the straightforward whole-raster distance transform
    rng = np.random.default_rng(seed)
    geo = mirror_geometry(H, W, rng)
    g = groove_attributes(design(geo, rng).curves, rng, 0.08)
    yx, gt_r, cut_r, depth = g.yx, g.gt_radius, g.cut_radius, g.depth
    k = allowed_points(geo, yx, 12); yx, gt_r, cut_r, depth = yx[k], gt_r[k], cut_r[k], depth[k]
    t0 = time.perf_counter(); gt = np.zeros((H, W), bool)
    cut = render_nearest((H, W), yx, cut_r, depth, gt_radius=gt_r, gt_out=gt); ours = time.perf_counter() - t0
    t0 = time.perf_counter(); cut2, gt2 = straightforward_grooves((H, W), yx, cut_r, depth, gt_r); plain = time.perf_counter() - t0
    same = bool(np.array_equal(gt, gt2)) and float(np.abs(cut - cut2).max()) < 1e-6
    return dict(shape=[H, W], seed=seed, seconds=total, write_s=write_s, written_mb=written_mb, stages={k: round(v, 2) for k, v in tm.items()}, gt_pixels=gt_pixels,
                grooves_blockwise_s=ours, grooves_straightforward_s=plain, grooves_speedup=plain/ours, grooves_identical=same)

def tiles_512(mask):
    H, W = mask.shape
    cover = [mask[y:y+512, x:x+512].mean() for y in range(0, H - 511, 512) for x in range(0, W - 511, 512)]
    return dict(any=int(sum(c > 0 for c in cover)), half=int(sum(c >= 0.5 for c in cover)), full=int(sum(c == 1 for c in cover)))

def evaluate(spec, dest=None):
    t0 = time.perf_counter()
    m = make_mirror(spec.seed, spec.height, spec.width, details=True, **spec.knobs); gen_s = time.perf_counter() - t0
    if dest: write_mirror(dest, spec.view, m)
    d = preprocess_depth(m['height'], DEFAULT_DPI / 25.4)
    gt, mask = m['gt'], m['mask']
    skel = thin_gt(gt)
    # share of the thinned GT where a groove is really cut (≥ 30 % of the nominal depth): the pseudo-recall a
    # model reaches by seeing grooves only, without bridging worn stretches and corrosion gaps from context
    visible = float((skel & (m['cut'] >= 0.3*spec.knobs.get('groove_depth', 0.08))).sum() / max(skel.sum(), 1))
    score = lambda pred: counts(pred, gt, skel)
    otsu = score(otsu_lines(d, mask))
    sauvola = {w: score(sauvola_lines(d, mask, w)) for w in SAUVOLA_WINDOWS}
    best_w = max(sauvola, key=lambda w: sauvola[w].pfm)
    tuned = []
    for b in TUNED['blur']:
        db = gaussian(d, b) if b else d
        for k in TUNED['k']:
            for w in TUNED['windows']: tuned.append((score(sauvola_lines(db, mask, w, k)).pfm, b, k, w))
    tb = max(tuned)
    inside = d[mask]
    return dict(view=spec.view, seed=spec.seed, shape=[spec.height, spec.width], knobs=spec.knobs, generate_s=gen_s,
                otsu=dict(pfm=otsu.pfm, precision=otsu.precision, pseudo_recall=otsu.pseudo_recall),
                sauvola={str(w): dict(pfm=c.pfm, precision=c.precision, pseudo_recall=c.pseudo_recall) for w, c in sauvola.items()},
                sauvola_best=dict(window=best_w, pfm=sauvola[best_w].pfm),
                tuned_classical=dict(pfm=tb[0], blur=tb[1], k=tb[2], window=tb[3]),
                depth_inside=dict(mean=float(inside.mean()), std=float(inside.std())),
                gt_fraction_in_mask=float(gt[mask].mean()), visible_skeleton_fraction=visible, half_width=half_width_stats(gt), tiles_512=tiles_512(mask))

def half_width_stats(gt):
    "The paper's measurement of the line half-widths (`fusing_forces.lines`): the gamma fit, its mean and std, the samples."
    hw = line_halfwidths(gt); fit = fit_half_width(hw)
    return dict(mean=fit.mean, std=fit.std, a=fit.a, loc=fit.loc, scale=fit.scale, n=int(hw.size))

def tiny_unet(w=16):
    "A small 3-level UNet (w-2w-4w channels): the learnability proxy."
    import torch.nn as nn, torch
    def block(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                                          nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True))
    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.e1, self.e2, self.e3 = block(1, w), block(w, 2*w), block(2*w, 4*w)
            self.d2, self.d1 = block(6*w, 2*w), block(3*w, w)
            self.out = nn.Conv2d(w, 1, 1)
        def forward(self, x):
            f = nn.functional
            a = self.e1(x); b = self.e2(f.max_pool2d(a, 2)); c = self.e3(f.max_pool2d(b, 2))
            b = self.d2(torch.cat([f.interpolate(c, scale_factor=2), b], 1))
            a = self.d1(torch.cat([f.interpolate(b, scale_factor=2), a], 1))
            return self.out(a)
    return UNet()

def cnn_check(steps, n_train=4, patch=128, batch=8, seed=0):
    "Train the proxy UNet on the first `n_train` training mirrors, score the test mirrors (threshold 0.5, inside the mask)."
    import torch
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    data = []
    for spec in TRAIN_VIEWS[:n_train]:
        m = make_mirror(spec.seed, spec.height, spec.width, **spec.knobs)
        data.append((preprocess_depth(m['height'], DEFAULT_DPI/25.4), m['gt'], np.argwhere(m['mask'][::16, ::16]) * 16)); del m
    net = tiny_unet(); opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 4e-3, total_steps=steps)
    t0 = time.perf_counter(); net.train(); losses = []
    for step in range(steps):
        xs, ys = [], []
        for _ in range(batch):
            d, gt, pts = data[rng.integers(len(data))]
            cy, cx = pts[rng.integers(len(pts))]
            y0 = int(np.clip(cy - patch//2, 0, d.shape[0] - patch)); x0 = int(np.clip(cx - patch//2, 0, d.shape[1] - patch))
            x, y = d[y0:y0+patch, x0:x0+patch], gt[y0:y0+patch, x0:x0+patch]
            k = rng.integers(4); x, y = np.rot90(x, k), np.rot90(y, k)
            if rng.random() < 0.5: x, y = x[:, ::-1], y[:, ::-1]
            xs.append(x.copy()); ys.append(y.astype(np.float32))
        x = torch.from_numpy(np.stack(xs))[:, None]; y = torch.from_numpy(np.stack(ys))[:, None]
        logits = net(x)
        p = torch.sigmoid(logits)
        dice = 1 - (2*(p*y).sum() + 1) / (p.sum() + y.sum() + 1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y) + dice
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); losses.append(loss.item())
        if step % 100 == 0: print(f"  step {step} loss {np.mean(losses[-100:]):.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    train_s = time.perf_counter() - t0
    net.eval(); out = []
    for spec in TEST_VIEWS:
        m = make_mirror(spec.seed, spec.height, spec.width, **spec.knobs)
        d = preprocess_depth(m['height'], DEFAULT_DPI/25.4); prob = np.zeros(d.shape, np.float32)
        H, W = d.shape; T, o = 1024, 32
        with torch.no_grad():
            for y0 in range(0, H, T - 2*o):
                for x0 in range(0, W, T - 2*o):
                    Y0, X0 = min(y0, max(H - T, 0)), min(x0, max(W - T, 0))
                    t = torch.from_numpy(np.ascontiguousarray(d[Y0:Y0+T, X0:X0+T]))[None, None]
                    pr = torch.sigmoid(net(t))[0, 0].numpy()
                    iy0, ix0 = (o if Y0 > 0 else 0), (o if X0 > 0 else 0)
                    prob[Y0+iy0:Y0+T, X0+ix0:X0+T] = pr[iy0:, ix0:]
        c = counts((prob > 0.5) & m['mask'], m['gt'])
        out.append(dict(view=spec.view, pfm=c.pfm, precision=c.precision, pseudo_recall=c.pseudo_recall, f1=c.f1, iou=c.iou))
    return dict(steps=steps, patch=patch, batch=batch, train_mirrors=[s.view for s in TRAIN_VIEWS[:n_train]],
                parameters=sum(p.numel() for p in net.parameters()), train_s=train_s, final_loss=float(np.mean(losses[-100:])), test=out)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--dest', default=None, help='also write the test mirrors to this ETMIRA root')
    ap.add_argument('--skip-fullsize', action='store_true')
    ap.add_argument('--skip-classical', action='store_true', help='skip the per-test-mirror classical/statistics section')
    ap.add_argument('--cnn-steps', type=int, default=0, help='train the learnability proxy UNet this many steps (0: skip)')
    args = ap.parse_args()
    try:
        import torch; torch.set_num_threads(2)
    except ImportError: pass
    res = dict(dpi=DEFAULT_DPI, px_per_mm=DEFAULT_DPI/25.4, paper_half_width=dict(zip(('a', 'loc', 'scale'), PAPER_HALF_WIDTH)),
               paper_half_width_mean=stats.gamma.mean(*PAPER_HALF_WIDTH), paper_half_width_std=stats.gamma.std(*PAPER_HALF_WIDTH))
    mi = machine_info()
    print(f"machine: {mi['cpu']}, {mi['cores']} cores, GPU: {mi.get('gpu')}")
    if not args.skip_fullsize:
        f = res['fullsize'] = fullsize()
        print(f"\nfull-size {f['shape'][0]} × {f['shape'][1]} mirror generated in {f['seconds']:.1f} s (target ≤ 60 s)")
        print(f"  writing its files: {f['write_s']:.1f} s ({f['written_mb']:.0f} MB)")
        print('  stages (s): ' + ', '.join(f'{k} {v}' for k, v in f['stages'].items()))
        print(f"  groove stage: blockwise {f['grooves_blockwise_s']:.2f} s vs whole-raster distance transform "
              f"{f['grooves_straightforward_s']:.2f} s → {f['grooves_speedup']:.1f}× (identical output: {f['grooves_identical']})")
    if args.cnn_steps:
        c = res['cnn_check'] = cnn_check(args.cnn_steps)
        print(f"\nlearnability proxy: tiny UNet ({c['parameters']} parameters, NOT the base model), {c['steps']} steps of batch "
              f"{c['batch']} × {c['patch']}² on {len(c['train_mirrors'])} training mirrors, {c['train_s']:.0f} s on CPU:")
        print('| mirror | pFM | precision | pseudo-recall | F1 | IoU |'); print('|---|---|---|---|---|---|')
        for r in c['test']: print(f"| {r['view']} | {r['pfm']:.3f} | {r['precision']:.3f} | {r['pseudo_recall']:.3f} | {r['f1']:.3f} | {r['iou']:.3f} |")
    if args.skip_classical:
        print('\nwrote', save_result('synthetic_cnn_check' if args.cnn_steps else 'synthetic_partial', res)); return
    res['test'] = [evaluate(s, args.dest) for s in TEST_VIEWS]
    print('\n| mirror | size | gen s | Otsu pFM | Sauvola pFM (best window) | tuned classical pFM | depth mean/std in mask | GT % of mask | visible GT skeleton % | 512 tiles (≥50 % / any) |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in res['test']:
        t = r['tuned_classical']
        print(f"| {r['view']} | {r['shape'][0]}×{r['shape'][1]} | {r['generate_s']:.1f} | {r['otsu']['pfm']:.3f} | "
              f"{r['sauvola_best']['pfm']:.3f} ({r['sauvola_best']['window']}) | {t['pfm']:.3f} (σ={t['blur']}, k={t['k']}, w={t['window']}) | "
              f"{r['depth_inside']['mean']:.3f} / {r['depth_inside']['std']:.3f} | {100*r['gt_fraction_in_mask']:.1f} | {100*r['visible_skeleton_fraction']:.1f} | "
              f"{r['tiles_512']['half']} / {r['tiles_512']['any']} |")
    print(f"| ETMIRA (paper) | 8964×6716 | | | | | {REAL_STATS['depth'][0]:.3f} / {REAL_STATS['depth'][1]:.3f} | | | |")
    print('\nSauvola pFM per window (k = 0.2):')
    print('| mirror | ' + ' | '.join(map(str, SAUVOLA_WINDOWS)) + ' |'); print('|---' * (len(SAUVOLA_WINDOWS) + 1) + '|')
    for r in res['test']: print(f"| {r['view']} | " + ' | '.join(f"{r['sauvola'][str(w)]['pfm']:.3f}" for w in SAUVOLA_WINDOWS) + ' |')
    print(f"\nLine half-widths (px) at {DEFAULT_DPI:.0f} DPI ({DEFAULT_DPI/25.4:.1f} px/mm), DT on skeleton, ±2 std trimmed, gamma fit:")
    print('| source | mean | std | a | loc | scale | n |'); print('|---|---|---|---|---|---|---|')
    a, loc, sc = PAPER_HALF_WIDTH
    print(f"| paper (ETMIRA, full resolution) | {res['paper_half_width_mean']:.2f} | {res['paper_half_width_std']:.2f} | {a} | {loc} | {sc} | |")
    for r in res['test']:
        h = r['half_width']
        print(f"| {r['view']} | {h['mean']:.2f} | {h['std']:.2f} | {h['a']:.2f} | {h['loc']:.2f} | {h['scale']:.3f} | {h['n']} |")
    print('\nwrote', save_result('synthetic', res))

if __name__ == '__main__': main()
