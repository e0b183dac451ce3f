"""Issue 5 acceptance: whole-mirror inference on a full-size 8964 x 6716 mirror on the CPU — time and peak RSS.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/infer_fullsize.py [--weights weights/base_default.pth]

A full-size synthetic mirror is generated and preprocessed (cached) in child processes first; the inference child
then loads the cached depth (memory-mapped), predicts the model grid with overlapping windows (stride 128 on the
grid = 256 at full resolution), upsamples to full resolution, masks, and writes the GT-format PNG. Its peak RSS is
its own getrusage(RUSAGE_SELF).ru_maxrss at exit, the figure `/usr/bin/time -v` reports as "Maximum resident set size".
"""
import argparse, json, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo

H, W, VIEW = 6716, 8964, 'SYN-9999_R'

def child(*args):
    out = subprocess.run([sys.executable, __file__, *map(str, args)], capture_output=True, text=True)
    if out.returncode: sys.exit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])

def generate(root):
    from fusing_forces.synthetic import make_mirror, write_mirror
    t = time.time(); write_mirror(root, VIEW, make_mirror(7, H, W)); print(json.dumps(dict(seconds=time.time() - t, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)))

def preprocess(root, store):
    from fusing_forces.mirror import Mirror
    t = time.time(); m = Mirror(root, VIEW, storage=store); m.depth, m.mask, m.gt
    print(json.dumps(dict(seconds=time.time() - t, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)))

def infer(root, store, weights, out, tta='1'):
    import torch; torch.set_num_threads(2)
    from fusing_forces.mirror import Mirror
    from fusing_forces.base_model import BaseModel, predict_mirror, write_mask
    base = BaseModel.load(weights)
    m = Mirror(root, VIEW, storage=store); m.depth  # from the cache
    t = time.time(); prob = predict_mirror(base, m, bs=8, progress=False, tta=int(tta)); t_pred = time.time() - t
    t = time.time(); write_mask(out, prob); t_write = time.time() - t
    print(json.dumps(dict(seconds=t_pred, write_s=t_write, shape=list(prob.shape), line_fraction=float((prob > 0.5).mean()),
                     peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)))

def main():
    p = argparse.ArgumentParser(); p.add_argument('--weights', default=repo('weights/base_default.pth'))
    p.add_argument('--tta', type=int, default=4, help='also measure inference with this test-time augmentation (1: skip)')
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='ff_infer_'))
    try:
        gen = child('generate', tmp)
        pre = child('preprocess', tmp, tmp/'cache')
        inf = child('infer', tmp, tmp/'cache', Path(a.weights).resolve(), tmp/'pred.png')
        res = dict(shape=[H, W], weights=a.weights, generate_s=round(gen['seconds'], 1), preprocess_s=round(pre['seconds'], 1),
                   inference_s=round(inf['seconds'], 1), write_png_s=round(inf['write_s'], 1),
                   inference_peak_rss_mb=round(inf['peak_rss_mb']), preprocess_peak_rss_mb=round(pre['peak_rss_mb']),
                   generate_peak_rss_mb=round(gen['peak_rss_mb']), line_fraction=inf['line_fraction'])
        if a.tta > 1:
            t = child('infer', tmp, tmp/'cache', Path(a.weights).resolve(), tmp/'pred_tta.png', a.tta)
            res.update(tta=a.tta, tta_inference_s=round(t['seconds'], 1), tta_inference_peak_rss_mb=round(t['peak_rss_mb']))
        for k, v in res.items(): print(f"{k:32s} {v}")
        print('saved', save_result('infer_fullsize', res))
    finally: shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] in ('generate', 'preprocess', 'infer'): globals()[sys.argv[1]](*sys.argv[2:])
    else: main()
