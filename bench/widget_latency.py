"""Annotation widget latency, one command: kernel side, session store, and in Chromium (mouse-up -> repainted tile, relighting).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/widget_latency.py              # everything (about 3 minutes)
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/widget_latency.py --no-browser # kernel side and store only

Targets (issue 17, on an otherwise idle machine): mouse-up -> repainted tile p50 <= 60 ms, p95 <= 120 ms; relighting a
512² view <= 50 ms. The machine and its load (`uptime` before and after) are recorded with the figures: on a shared
machine other jobs slow every figure down, so read them with the load.

- kernel side: `RefinementWidget.end_stroke` driven through its mouse handlers on a 1024² synthetic mirror (grid 512²,
  4 tiles) with the shipped weights, 2 torch threads: store the pending stroke, refine, commit stroke + output in one
  SQLite transaction, render and PNG-encode the overlay of the 640-px view and the overview patch. Each OMP_WAIT_POLICY
  runs in its own process (it must be set before torch starts). Also `paint_background` for a 512² view (relighting).
- store: one stroke committed with its 256 KB tile output, fsync'ed — SQLite WAL (`SessionStore`, pending row + commit
  transaction) against the JSON-lines discipline it replaced (log line + fsync, then the output as an atomic `.npy`:
  temporary file, fsync, rename, fsync of the folder).
- page load: on the benchmark mirror `--load-view` (if generated in data/benchmark), seconds from opening the page to
  its loading line and to the editor, for a first load (preprocessing and prediction) and a resumed one (cached), and
  the seconds until the server has freed the kernel after the page closed.
- browser: Voila (`fusing_forces.app.start_voila`, TCP_NODELAY) serving the app for the same kind of mirror, Debian
  chromium via Playwright: the time from the `mouseup` event in the page to the editor canvas pixels changing
  (polled every animation frame), for random strokes in the current tile at the default view (640 px, zoom 2); and the
  time from the `l` key (turn the light by 15°) to the repaint, on a page with a 512-px view at zoom 1 (512² grid
  pixels), in the default `mix` view and in `relief`.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT/'tests'))

def pc(v):
    import numpy as np
    v = np.asarray(v, float)
    return dict(p50=float(np.median(v)), p95=float(np.percentile(v, 95)), n=int(len(v)))

def uptime()->str: return subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()

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

def kernel_side(n_strokes=60, size=1024, seed=0):
    "Run in a child process: the widget on a synthetic mirror driven through its handlers."
    import numpy as np, torch
    torch.set_num_threads(2)
    from fusing_forces.app import from_etmira
    from fusing_forces.synthetic import make_tiny_etmira
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        view = make_tiny_etmira(Path(d)/'etmira', n=1, size=size, seed=3)[0]
        w = from_etmira(Path(d)/'etmira', view, session_dir=Path(d)/'s', storage=Path(d)/'cache')
        s = w.session; tiles = s.tile_order()
        for i, pts in enumerate(random_strokes(n_strokes + 5, rng)):
            w.go_to(tiles[i % len(tiles)])
            w.mode.value = 'add' if i % 2 == 0 else 'erase'
            c = (pts + 32)*w.zoom                                   # tile pixels -> canvas pixels of the centred view
            w.on_mouse_down(*c[0])
            for p in c[1:-1]: w.on_mouse_move(*p)
            w.on_mouse_up(*c[-1])
        w2 = from_etmira(Path(d)/'etmira', view, storage=Path(d)/'cache', view_px=512, zoom=1)
        relight = []
        for i in range(25):
            t = time.perf_counter(); w2.azimuth.value = (w2.azimuth.value + 15) % 360; relight.append(time.perf_counter() - t)
        s.close()
    return dict(models='shipped weights (base_default, refiner_default)', mirror=f'synthetic {size}x{size} (grid {s.shape}, {s.n_tiles} tiles)',
                strokes=len(w.latencies[5:]), omp_wait_policy=os.environ.get('OMP_WAIT_POLICY', 'default'), torch_threads=torch.get_num_threads(),
                stroke_end_to_overlay_sent_ms=pc(np.array(w.latencies[5:])*1e3), refines=s.n_refines,
                relight_512_view_kernel_ms=pc(np.array(relight[5:])*1e3))

def store_commit(n=60):
    "Commit cost of one stroke with its 256 KB output, fsync'ed: SQLite WAL (ours) vs JSON lines + atomic .npy."
    import numpy as np
    from fusing_forces.store import SessionStore
    out = np.random.default_rng(0).normal(size=(256, 256)).astype(np.float32)
    entry = dict(tile=3, kind='add', width=5.0, points=np.random.default_rng(1).uniform(0, 256, (30, 2)).round(3).tolist(), locality=16.0)
    with tempfile.TemporaryDirectory(dir=ROOT) as d:   # on the disk the sessions live on
        st = SessionStore(Path(d)/'s.sqlite', dict(view='bench')); sq = []
        for _ in range(n):
            t = time.perf_counter(); st.commit_stroke(st.add_pending(entry), entry, out); sq.append(time.perf_counter() - t)
        st.close()
        log = open(Path(d)/'session.jsonl', 'ab'); js = []
        (Path(d)/'outputs').mkdir()
        for i in range(n):
            t = time.perf_counter()
            log.write(json.dumps(dict(entry, id=i)).encode() + b'\n'); log.flush(); os.fsync(log.fileno())
            tmp = Path(d)/'outputs'/f'.{i:06d}.tmp'
            with open(tmp, 'wb') as f: np.save(f, out); f.flush(); os.fsync(f.fileno())
            os.replace(tmp, Path(d)/'outputs'/f'{i:06d}.npy')
            fd = os.open(Path(d)/'outputs', os.O_RDONLY); os.fsync(fd); os.close(fd)
            js.append(time.perf_counter() - t)
        log.close()
    return dict(sqlite_wal_pending_and_commit_ms=pc(np.array(sq)*1e3), jsonl_fsync_and_atomic_npy_ms=pc(np.array(js)*1e3))

def child(policy, args):
    "Run `kernel_side` in a fresh process with OMP_WAIT_POLICY=`policy` (None: unset)."
    env = {k: v for k, v in os.environ.items() if k != 'OMP_WAIT_POLICY'}
    if policy: env['OMP_WAIT_POLICY'] = policy
    out = subprocess.run([sys.executable, __file__, '--child', '--strokes', str(args.strokes)], env=env, capture_output=True, text=True)
    if out.returncode: raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])

def serve(tmp, name, **widget_kw):
    "Voila serving the app for a synthetic 1024² mirror with the shipped weights."
    from fusing_forces.synthetic import make_tiny_etmira
    from fusing_forces.app import write_app, start_voila
    if not (tmp/'etmira').exists(): make_tiny_etmira(tmp/'etmira', n=1, size=1024, seed=3)
    nb, cfg = write_app(tmp/name, root=tmp/'etmira', view='TINY-0001_R', session_dir=tmp/name/'session', storage=tmp/'cache', **widget_kw)
    return start_voila(nb, cfg, log=tmp/f'{name}.log')

def browser(n_strokes=30, n_relight=15):
    "Mouse-up -> repaint (default view) and key -> relit repaint (512² view at zoom 1) in chromium."
    import numpy as np
    from playwright.sync_api import sync_playwright
    from ff_browser import launch, open_app, browser_drag, timed
    from fusing_forces.app import stop_process
    tmp = Path(tempfile.mkdtemp()); res = {}
    proc, url = serve(tmp, 'strokes')
    try:
        with sync_playwright() as pw:
            ctx = launch(pw, tmp/'profile'); page, tile = open_app(ctx, url)
            rts = [browser_drag(page, tile, ((p + 32)*2).tolist()) for p in random_strokes(n_strokes + 2, np.random.default_rng(1))]
            res['nodelay'] = pc(rts[2:]); ctx.close()
    finally: stop_process(proc)
    proc, url = serve(tmp, 'relight', view_px=512, zoom=1)
    try:
        with sync_playwright() as pw:
            ctx = launch(pw, tmp/'profile2'); page, tile = open_app(ctx, url)
            for shading in ('mix', 'relief'):
                if shading == 'relief': page.keyboard.press('r'); page.wait_for_timeout(1000)
                ms = [timed(page, tile, 'keydown', lambda: page.keyboard.press('l')) for _ in range(n_relight + 2)]
                res[f'relight_512_view_{shading}'] = pc(ms[2:])
            ctx.close()
    finally: stop_process(proc)
    return res

def page_load(root, view):
    "Seconds from opening the page to the loading line and to the editor: a first load (nothing cached) and a resumed one."
    from playwright.sync_api import sync_playwright
    from ff_browser import launch, kernel_id, kernel_alive, wait_for
    from fusing_forces.app import write_app, start_voila, stop_process
    tmp = Path(tempfile.mkdtemp()); out = {}
    nb, cfg = write_app(tmp/'app', root=root, view=view, session_dir=tmp/'session', storage=tmp/'cache')
    proc, url = start_voila(nb, cfg, log=tmp/'load.log')
    try:
        with sync_playwright() as pw:
            for run in ('first_load', 'resumed'):
                ctx = launch(pw, tmp/f'profile_{run}'); page = ctx.new_page(); t0 = time.time()
                page.goto(url, timeout=900000); page.locator('.ff-loading').wait_for(timeout=900000); t_text = time.time() - t0
                page.locator('canvas.ff-tile').wait_for(timeout=900000); t_editor = time.time() - t0
                stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()
                kid = kernel_id(page); page.close(run_before_unload=True)
                freed = wait_for(lambda: not kernel_alive(ctx, url, kid), 60, 'kernel freed'); ctx.close()
                out[run] = dict(loading_text_s=round(t_text, 1), editor_s=round(t_editor, 1), stderr_outputs=stderr, kernel_freed_s=round(freed, 1))
    finally: stop_process(proc)
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--no-browser', action='store_true'); ap.add_argument('--strokes', type=int, default=60)
    ap.add_argument('--child', action='store_true')
    ap.add_argument('--load-view', default='SYN-0101_R', help='benchmark mirror (in data/benchmark) for the page-load timing; none: skip')
    args = ap.parse_args()
    if args.child: print(json.dumps(kernel_side(args.strokes))); sys.exit()
    sys.path.insert(0, str(HERE))
    from _machine import save_result, machine_info
    up0, load0 = uptime(), os.getloadavg()
    runs = {p or 'default': child(p, args) for p in ('PASSIVE', None)}
    store = store_commit()
    res = dict(kernel_side=runs, store_commit=store)
    if not args.no_browser:
        os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
        b = browser()
        res['browser_round_trip_ms'] = {'nodelay': b.pop('nodelay')}
        res['browser_relight_ms'] = b
        from fusing_forces.data import view_files
        if args.load_view != 'none' and view_files(ROOT/'data/benchmark', args.load_view).depth.is_file():
            res['page_load'] = dict(view=args.load_view, **page_load(ROOT/'data/benchmark', args.load_view))
    res.update(uptime_before=up0, uptime_after=uptime(), load_average_1_5_15min=dict(before=load0, after=os.getloadavg()))
    m = machine_info(); k0 = runs['PASSIVE']
    print(f"models: {k0['models']}; mirror: {k0['mirror']}; {m['cpu']}, {m['cores']} cores, torch threads 2")
    print(f"uptime before: {up0}\nuptime after:  {res['uptime_after']}")
    row = lambda name, v, target='': print(f"{name:62s} {v['p50']:8.1f} {v['p95']:8.1f}  {target}")
    print(f"{'measure':62s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for pol, k in runs.items():
        row(f'kernel: stroke end -> overlay sent, OMP_WAIT_POLICY={pol}', k['stroke_end_to_overlay_sent_ms'])
        row(f'kernel: relight a 512² view (paint_background), {pol}', k['relight_512_view_kernel_ms'])
    row('store: stroke + 256 KB output, SQLite WAL (ours)', store['sqlite_wal_pending_and_commit_ms'])
    row('store: the same as JSON line + atomic .npy (replaced)', store['jsonl_fsync_and_atomic_npy_ms'])
    if not args.no_browser:
        row('browser: mouse-up -> repainted tile (Chromium)', res['browser_round_trip_ms']['nodelay'], 'target p50 <= 60, p95 <= 120')
        for k, v in res['browser_relight_ms'].items(): row(f'browser: key -> relit {k.replace("relight_512_view_", "512² view, ")}', v, 'target <= 50')
        for k, v in res.get('page_load', {}).items():
            if k != 'view': print(f"page load ({res['page_load']['view']}, {k}): loading text after {v['loading_text_s']} s, editor after {v['editor_s']} s, "
                                  f"{v['stderr_outputs']} warning/error outputs on the page, kernel freed {v['kernel_freed_s']} s after closing")
    print('wrote', save_result('widget_latency', res))
