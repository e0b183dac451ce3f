"""Issue 16 acceptance: how fast does each command reject a bad input? (no model load before the input check)

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/cli_fail_fast.py [--bin /tmp/wheelvenv/bin] [--repeats 5]

Each case runs the command as a user would, in a fresh process (the console script with `--bin`, else the same
`sys.exit(ff_x.main())` call the console scripts make), and measures the wall time from the process start to its
exit. Every run must exit with status 1 and print exactly one line `error: ...` naming the file or option. Writes
bench/results/cli_fail_fast.json (median and max seconds per case).
"""
import argparse, json, os, pickle, shutil, statistics, subprocess, sys, tempfile, time, zipfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result

def main():
    p = argparse.ArgumentParser(); p.add_argument('--bin', default=None); p.add_argument('--repeats', type=int, default=5)
    a = p.parse_args()
    from fusing_forces.synthetic import make_tiny_etmira
    from fusing_forces.data import view_files, write_png
    from fusing_forces.checkpoints import shipped_weights, CHECKPOINT_FORMAT
    import numpy as np
    ws = Path(tempfile.mkdtemp(prefix='ff_failfast_'))
    try:
        root = ws/'etmira'
        views = make_tiny_etmira(root, n=3, size=256)
        v0, v1, v2 = (view_files(root, v) for v in views)
        v0.depth.write_bytes(v0.depth.read_bytes()[:-500])                         # truncated U
        v1.gt.unlink()                                                              # no GT
        write_png(v2.gt, np.zeros((256, 256, 3), np.uint8))                         # GT without alpha
        (ws/'cut.pth').write_bytes(shipped_weights('base_default').read_bytes()[:-1000])
        with zipfile.ZipFile(ws/'norole.pth', 'w') as z:                            # a checkpoint without role or stats
            z.writestr('archive/data.pkl', pickle.dumps({'format': CHECKPOINT_FORMAT, 'config': {'preset': 'default', 'in_channels': 1}}, protocol=2))
        refiner = shipped_weights('refiner_default')
        cases = {
            'ff_predict: truncated U.tif': ('ff_predict', [root, views[0]]),
            'ff_predict: truncated checkpoint': ('ff_predict', [root, views[1], '--weights', ws/'cut.pth']),
            'ff_predict: checkpoint without role': ('ff_predict', [root, views[1], '--weights', ws/'norole.pth']),
            'ff_predict: unknown view': ('ff_predict', [root, 'NOPE-0001_R']),
            'ff_simulate: view without GT': ('ff_simulate', ['--root', root, '--mirrors', views[1], '--out', ws/'sim']),
            'ff_demo: GT without alpha': ('ff_demo', ['--root', root, '--view', views[2], '--out', ws/'demo']),
            'ff_train_base: --epochs 0': ('ff_train_base', ['--epochs', 0, '--out', ws/'b.pth']),
            'ff_train_refiner: refiner weights as --base': ('ff_train_refiner', ['--base', refiner, '--out', ws/'r.pth']),
            'ff_make_benchmark: unknown split': ('ff_make_benchmark', [ws/'bench', '--split', 'val']),
            'ff_annotate: unknown view (imports the widget first)': ('ff_annotate', [root, 'NOPE-0001_R']),
        }
        res = {}
        for name, (cmd, args) in cases.items():
            argv = ([str(Path(a.bin)/cmd)] if a.bin else
                    [sys.executable, '-c', f'import sys; from fusing_forces.commands import {cmd}; sys.exit({cmd}.main())'])
            argv += [str(x) for x in args]
            times = []
            for _ in range(a.repeats):
                t0 = time.perf_counter(); r = subprocess.run(argv, capture_output=True, text=True, cwd=ws); times.append(time.perf_counter() - t0)
                lines = r.stderr.strip().splitlines()
                assert r.returncode == 1 and len(lines) == 1 and lines[0].startswith('error: '), (name, r.returncode, r.stderr)
            res[name] = dict(median_s=round(statistics.median(times), 3), max_s=round(max(times), 3), message=lines[0].replace(str(ws), 'WS'))
            print(f"{name:55s} median {res[name]['median_s']:.2f} s, max {res[name]['max_s']:.2f} s  | {res[name]['message'][:110]}")
        print('saved', save_result('cli_fail_fast', dict(repeats=a.repeats, how='console script' if a.bin else 'python -c "sys.exit(ff_x.main())"',
                                                        cases=res, load_avg=[round(x, 2) for x in os.getloadavg()])))
    finally: shutil.rmtree(ws, ignore_errors=True)

if __name__ == '__main__': main()
