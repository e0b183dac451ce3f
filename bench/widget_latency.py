"""Widget latency: kernel-side stroke end -> overlay sent (p50/p95), and optionally the browser round trip.

    .venv/bin/python bench/widget_latency.py                         # kernel side
    .venv/bin/python bench/widget_latency.py --browser               # + Voila and chromium, TCP_NODELAY on and off
    .venv/bin/python bench/widget_latency.py --screenshot docs/widget.png   # README picture after one refinement

Kernel side: `RefinementWidget.end_stroke`, from the mouse-up handler to the end of the `hold_canvas()` block that
sends the repaint (rasterize, log + fsync, refine, store the output, render and PNG-encode the overlay layer and
the overview patch), on a 1024² synthetic mirror, 2 torch threads. Models: the project's default weights
(weights/base_default.pth, weights/refiner_default.pth) when they exist, else untrained models of the default
preset (same architecture, same cost). Each configuration runs in its own process because OMP_WAIT_POLICY must be
set before torch starts: PASSIVE (what `ff_annotate` uses) and the OpenMP default; on a shared machine the default
makes PyTorch's threads spin against the other jobs. Ratio measured in the same run: the widget's layered repaint
(sparse overlay + overview patch) against the straightforward repaint (depth and overlay composed into one image at
screen size, whole overview).
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

def models():
    "The default models, or untrained default-preset models if the weights do not exist yet."
    import torch
    from fusing_forces.base_model import BaseModel
    from fusing_forces.models import build_model
    from fusing_forces.refiner import Refiner, build_refiner
    b, r = ROOT/'weights/base_default.pth', ROOT/'weights/refiner_default.pth'
    if b.is_file() and r.is_file(): return BaseModel.load(b), Refiner.load(r), 'trained default weights'
    torch.manual_seed(0)
    return BaseModel(build_model('default', 1), 'default'), build_refiner('default'), 'untrained default-preset models (no trained weights yet)'

def random_strokes(n, rng, tile_size=256):
    "Short polylines (tile pixels) like an annotator's corrections: 15-40 points, 20-80 px long, slightly bent."
    import numpy as np
    out = []
    for _ in range(n):
        p0 = rng.uniform(40, tile_size - 40, 2); ang = rng.uniform(0, 2*np.pi); length = rng.uniform(20, 80)
        t = np.linspace(0, 1, rng.integers(15, 40))[:, None]
        d = np.array([np.cos(ang), np.sin(ang)]); nrm = np.array([-d[1], d[0]])
        out.append((p0 + t*length*d + rng.normal(0, 5)*np.sin(np.pi*t)*nrm).clip(0, tile_size - 1))
    return out

def naive_paint(w):
    "The straightforward repaint: depth and overlay composed at screen size in one RGBA image, and the whole overview."
    import numpy as np
    from ipycanvas import hold_canvas
    from fusing_forces.widget import grey, overlay_rgba
    from fusing_forces.tiles import downsample
    s, k, z = w.session, w.tile, w.zoom
    bg = grey(s.tile_x(k)[0], -2.5, 2.5)
    ov = overlay_rgba(s.tile_base(k) > 0, s.tile_logits(k) > 0, s.strokes(k), w.opacity.value)
    a = ov[..., 3:4]/255.
    img = (bg*(1 - a) + ov*a).astype(np.uint8); img[..., 3] = 255
    img = np.repeat(np.repeat(img, z, 0), z, 1)
    ovw = w._ov_grey.copy()
    lines = downsample(s.grid_mask().astype(np.float32), w.ov_factor) > 0
    ovw[lines[:ovw.shape[0], :ovw.shape[1]]] = (255, 200, 0, 255)
    with hold_canvas():
        w.canvas[1].put_image_data(img, 0, 0); w.overview[0].put_image_data(ovw, 0, 0)

def kernel_side(n_strokes=60, size=1024, seed=0):
    "Run in a child process: the widget on a synthetic mirror driven through its handlers."
    import numpy as np, torch
    from ipycanvas import hold_canvas
    torch.set_num_threads(2)
    from fusing_forces.widget import AnnotationSession, RefinementWidget
    from fusing_forces.synthetic import make_mirror
    from fusing_forces.data import preprocess_depth
    from fusing_forces.tiles import downsample
    from fusing_forces.base_model import predict_grid, standardise
    base, refiner, which = models()
    a = make_mirror(seed, size, size)
    x = standardise(downsample(preprocess_depth(a['height'], 1000/25.4))[None], base.channels, base.stats)
    mask = downsample(a['mask'])
    base_logits = predict_grid(base.model, x, progress=False)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        s = AnnotationSession(x, base_logits, refiner, mask=mask, gt=downsample(a['gt']), session_dir=Path(d)/'s',
                              full_shape=(size, size), full_mask=a['mask'])
        w = RefinementWidget(s)
        tiles = s.tile_order()
        refine_ms, naive_ms, ours_ms = [], [], []
        for i, pts in enumerate(random_strokes(n_strokes + 5, rng)):
            w.tile = tiles[i % len(tiles)]
            w.mode.value = 'add' if i % 2 == 0 else 'erase'
            c = pts*w.zoom
            w.on_mouse_down(*c[0])
            for p in c[1:-1]: w.on_mouse_move(*p)
            w.on_mouse_up(*c[-1])
            t = time.perf_counter(); s.refine_tile(w.tile); refine_ms.append((time.perf_counter() - t)*1e3)
            t = time.perf_counter(); naive_paint(w); naive_ms.append((time.perf_counter() - t)*1e3)
            t = time.perf_counter()
            with hold_canvas(): w.paint_overlay(); w.paint_overview(w.tile)
            ours_ms.append((time.perf_counter() - t)*1e3)
    lat = np.array(w.latencies[5:])*1e3
    refine_ms, naive_ms, ours_ms = (np.array(v[5:]) for v in (refine_ms, naive_ms, ours_ms))
    pc = lambda v: dict(p50=float(np.median(v)), p95=float(np.percentile(v, 95)))
    return dict(models=which, mirror=f'synthetic {size}x{size} (grid {s.shape}, {s.n_tiles} tiles)', strokes=len(lat),
                omp_wait_policy=os.environ.get('OMP_WAIT_POLICY', 'default'), torch_threads=torch.get_num_threads(),
                stroke_end_to_overlay_sent_ms=pc(lat), refine_only_ms=pc(refine_ms),
                repaint_ms_p50=dict(layered_overlay_and_overview_patch=float(np.median(ours_ms)),
                                    straightforward_full_images=float(np.median(naive_ms)),
                                    speedup=float(np.median(naive_ms)/np.median(ours_ms))))

def child(policy, args):
    "Run `kernel_side` in a fresh process with OMP_WAIT_POLICY=`policy` (None: unset)."
    env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'}
    if policy: env['OMP_WAIT_POLICY'] = policy
    out = subprocess.run([sys.executable, __file__, '--child', '--strokes', str(args.strokes)], env=env, capture_output=True, text=True)
    if out.returncode: raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])

def browser_session(tmp, nodelay, size=512):
    "Voila serving the app for a tiny synthetic mirror with the default (or untrained default-preset) models."
    from fusing_forces.synthetic import make_tiny_etmira
    from fusing_forces.widget import write_app, start_voila
    base, refiner, which = models()
    view = make_tiny_etmira(tmp/'etmira', n=1, size=size)[0]
    base.save(tmp/'base.pth'); refiner.save(tmp/'refiner.pth')
    nb, cfg = write_app(tmp/'app', root=tmp/'etmira', view=view, base_weights=tmp/'base.pth', refiner_weights=tmp/'refiner.pth',
                        session_dir=tmp/'session', storage=tmp/'cache')
    proc, url = start_voila(nb, cfg, nodelay=nodelay, log=tmp/'voila.log')
    return proc, url, view, which

def open_page(pw, tmp, url):
    from fusing_forces.widget import CHROMIUM_FLAGS, CANVAS_CHECKSUM
    ctx = pw.chromium.launch_persistent_context(str(tmp/'profile'), executable_path='/usr/bin/chromium', headless=True,
                                                args=CHROMIUM_FLAGS, viewport={'width': 1100, 'height': 900})
    page = ctx.new_page(); page.goto(url, timeout=120000)
    tile = page.locator('canvas.ff-tile'); tile.wait_for(timeout=120000)
    page.wait_for_function(f"() => ({CANVAS_CHECKSUM})(document.querySelector('canvas.ff-tile')) !== 0", timeout=60000)
    page.wait_for_timeout(1000)
    return ctx, page, tile

def browser_round_trips(nodelay, n=15):
    "Mouse-up in chromium -> overlay on screen (ms)."
    import numpy as np
    from playwright.sync_api import sync_playwright
    from fusing_forces.widget import browser_drag, stop_process
    tmp = Path(tempfile.mkdtemp())
    proc, url, _, _ = browser_session(tmp, nodelay)
    try:
        with sync_playwright() as pw:
            ctx, page, tile = open_page(pw, tmp, url)
            try: rts = [browser_drag(page, tile, (p*2).tolist()) for p in random_strokes(n + 2, np.random.default_rng(1))]
            finally: ctx.close()
    finally: stop_process(proc)
    rts = np.array(rts[2:])
    return dict(p50=float(np.median(rts)), p95=float(np.percentile(rts, 95)), n=len(rts))

def screenshot(path):
    "The app after one pen stroke along a line the base model missed (chosen from the GT like the simulated annotator)."
    import numpy as np
    from playwright.sync_api import sync_playwright
    from skimage.morphology import skeletonize
    from fusing_forces.widget import browser_drag, stop_process, from_etmira
    from fusing_forces.strokes import stroke_run
    tmp = Path(tempfile.mkdtemp())
    proc, url, view, which = browser_session(tmp, True, size=1024)
    try:
        w = from_etmira(tmp/'etmira', view, tmp/'base.pth', tmp/'refiner.pth', storage=tmp/'cache')   # same state, to pick the stroke
        s, k = w.session, w.tile
        rs, cs = s.window(k)
        missed = skeletonize(s.scorer.gt[rs, cs]) & ~s.grid_mask((rs, cs))
        run = stroke_run(missed, np.random.default_rng(0), run_length=41)
        pts = (run[:, ::-1] + 0.5)*w.zoom if run is not None else np.array([[200, 200], [300, 260]])
        with sync_playwright() as pw:
            ctx, page, tile = open_page(pw, tmp, url)
            try:
                browser_drag(page, tile, pts.tolist()); page.wait_for_timeout(500)
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                page.locator('.ff-app').screenshot(path=str(path))
            finally: ctx.close()
    finally: stop_process(proc)
    return which

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--browser', action='store_true'); ap.add_argument('--strokes', type=int, default=60)
    ap.add_argument('--child', action='store_true'); ap.add_argument('--screenshot', default=None)
    args = ap.parse_args()
    if args.child: print(json.dumps(kernel_side(args.strokes))); sys.exit()
    sys.path.insert(0, str(HERE))
    from _machine import save_result, machine_info
    if args.screenshot: print('screenshot', args.screenshot, 'with', screenshot(args.screenshot)); sys.exit()
    load_before = os.getloadavg()
    runs = {p or 'default': child(p, args) for p in ('PASSIVE', None)}
    res = dict(kernel_side=runs, load_average_1_5_15min=dict(before=load_before, after=os.getloadavg()))
    m = machine_info()
    k0 = runs['PASSIVE']
    print(f"models: {k0['models']}; mirror: {k0['mirror']}; {m['cpu']}, {m['cores']} cores, torch threads 2; "
          f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after (the machine is shared)")
    print(f"{'measure':58s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for pol, k in runs.items():
        print(f"{'kernel: stroke end -> overlay sent, OMP_WAIT_POLICY=' + pol:58s} {k['stroke_end_to_overlay_sent_ms']['p50']:8.1f} {k['stroke_end_to_overlay_sent_ms']['p95']:8.1f}")
        print(f"{'  of which refiner.refine':58s} {k['refine_only_ms']['p50']:8.1f} {k['refine_only_ms']['p95']:8.1f}")
    r = k0['repaint_ms_p50']
    print(f"{'repaint: overlay layer + overview patch (ours)':58s} {r['layered_overlay_and_overview_patch']:8.1f}")
    print(f"{'repaint: straightforward full images':58s} {r['straightforward_full_images']:8.1f}   ({r['speedup']:.1f}x slower)")
    if args.browser:
        os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
        b = res['browser_round_trip_ms'] = {'nodelay': browser_round_trips(True), 'default_server': browser_round_trips(False)}
        for name, v in list(b.items()): print(f"{'browser: mouse-up -> overlay on screen, ' + name:58s} {v['p50']:8.1f} {v['p95']:8.1f}")
        b['nodelay_speedup_p50'] = b['default_server']['p50']/b['nodelay']['p50']
    print('wrote', save_result('widget_latency', res))
