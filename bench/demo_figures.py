"""The demo's figures with the shipped weights (one seed, 60 strokes on the demo mirror), stored for the CI test.

    .venv/bin/python bench/demo_figures.py            # measure and compare with bench/results/demo_figures.json (exit 1 on drift)
    .venv/bin/python bench/demo_figures.py --update   # measure and store them (after a deliberate change, e.g. new weights)

The test at the end of `nbs/10_demo.ipynb` runs the same demo and compares with the stored figures within
`fusing_forces.demo.DEMO_TOLERANCES`.
"""
import argparse, json, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, RESULTS
from fusing_forces.checkpoints import read_sums, weights_dir
from fusing_forces.demo import run_demo, demo_figures, figures_drift, demo_report

SETTINGS = dict(strokes=60, seed=0)
WEIGHTS = ('base_default.pth', 'refiner_default.pth')

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--update', action='store_true', help='store the measured figures instead of comparing')
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        r = run_demo(Path(d)/'out', progress=False, **SETTINGS)
    print(demo_report(r))
    sums = read_sums(weights_dir()); weights = {k: sums[k] for k in WEIGHTS}
    if a.update:
        print('wrote', save_result('demo_figures', dict(settings=SETTINGS, weights=weights, figures=demo_figures(r), seconds=r['seconds'])))
        return
    path = RESULTS/'demo_figures.json'
    if not path.is_file(): sys.exit(f"error: {path}: not found; run with --update to measure and store the figures")
    stored = json.loads(path.read_text())
    problems = [f"weights: stored with {stored['weights']}, shipped {weights}"] if stored['weights'] != weights else []
    problems += figures_drift(demo_figures(r), stored['figures'])
    if problems: sys.exit(f"error: {path}: the demo figures drifted (run with --update after a deliberate change):\n" + '\n'.join(problems))
    print(f"demo figures in step with {path}")

if __name__ == '__main__': main()
