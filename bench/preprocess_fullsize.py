"""Issue 2 acceptance: preprocess a full-size 8964 x 6716 view; report time, peak RSS, and that a second load is cached.

The arrays are generated here (a convex disc with grooves and noise) and written in the ETMIRA layout; the first
load (read + preprocess + cache) and the second load (from the cache) each run in a child process, whose peak RSS
is read with getrusage(RUSAGE_CHILDREN) — the same figure `/usr/bin/time -v` reports as "Maximum resident set size".

    python bench/preprocess_fullsize.py                # bench/results/preprocess_fullsize.json
    python bench/preprocess_fullsize.py --nan-outside  # the height map NaN outside the mirror, as real scans often are
                                                       # (filled from the nearest valid pixels): preprocess_fullsize_nan.json
"""
import json, os, resource, subprocess, sys, tempfile, time, shutil
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result

H, W = 6716, 8964
VIEW = 'FULL-0001_R'

def load(root, store):
    "Child: load every array of the view; print timings as JSON."
    from fusing_forces.mirror import Mirror
    t = time.time()
    m = Mirror(root, VIEW, storage=store)
    arrays = [m.depth, m.albedo, m.normals, m.gt, m.mask]
    x = m.inputs(('depth',))
    dt = time.time() - t
    print(json.dumps(dict(seconds=dt, from_cache=all(isinstance(a, np.memmap) for a in arrays), px_per_mm=m.px_per_mm)))

def child(root, store):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, __file__, 'load', str(root), str(store)], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024  # max over children so far
    return res

def main(nan_outside=False):
    from fusing_forces.data import write_view
    tmp = Path(tempfile.mkdtemp(prefix='ff_fullsize_'))
    try:
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[:H, :W].astype(np.float32)
        r = np.hypot((yy - H/2)/H, (xx - W/2)/W)
        mask = r < 0.45
        gt = (np.abs(np.sin(xx/300.) * 400 + H/2 - yy) < 6) & mask
        depth = (20*(1 - r**2) - 0.3*gt + rng.normal(0, 0.01, (H, W))).astype(np.float32)
        del yy, xx, r
        if nan_outside: depth[~mask] = np.nan
        write_view(tmp, VIEW, depth, gt, mask, dpi=1320.8)  # 52 px/mm, about a real scan's resolution
        del depth, gt, mask
        store = tmp/'cache'
        first = child(tmp, store)
        second = child(tmp, store)
        res = dict(shape=[H, W], px_per_mm=first['px_per_mm'],
                   first_load_s=round(first['seconds'], 2), first_load_peak_rss_mb=round(first['peak_rss_mb']),
                   second_load_s=round(second['seconds'], 4), second_from_cache=second['from_cache'], nan_outside=nan_outside,
                   load_avg=[round(x, 2) for x in os.getloadavg()],
                   peak_rss_mb_any_load=round(second['peak_rss_mb']))
        for k, v in res.items(): print(f"{k:24s} {v}")
        print('saved', save_result('preprocess_fullsize_nan' if nan_outside else 'preprocess_fullsize', res))
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'load': load(sys.argv[2], sys.argv[3])
    else: main(nan_outside='--nan-outside' in sys.argv[1:])
