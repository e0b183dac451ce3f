"""Train the refiner on the synthetic benchmark against the shipped base model; record its report (issue 6).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py --history 1 --out weights/refiner_default.pth
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py --history 4 --out weights/refiner_history.pth

Writes the weights and bench/results/refiner_h<history>.json: the single-stroke gain mean pFM(Y')/pFM(Y^Δ) on the
validation and test tiles of the held-out mirrors (with its spread), training time and samples/s, machine.
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
from fusing_forces.benchmark import benchmark_views, make_benchmark
from fusing_forces.base_model import BaseModel
from fusing_forces.refiner import train_refiner

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default='data/benchmark'); p.add_argument('--storage', default='data/cache')
    p.add_argument('--base', default='weights/base_default.pth'); p.add_argument('--out', default='weights/refiner_default.pth')
    p.add_argument('--preset', default='default'); p.add_argument('--history', type=int, default=1)
    p.add_argument('--epochs', type=int, default=24); p.add_argument('--samples-per-epoch', type=int, default=1024)
    p.add_argument('--bs', type=int, default=8); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--stroke-focus', type=float, default=0.0, help='λ of the stroke-proximity-weighted BCE (0: the paper\'s Dice loss)')
    p.add_argument('--missed-branch', type=float, default=0.0,
                   help='probability per training sample of erasing one GT stretch from Y (refiner.erase_branch)')
    p.add_argument('--train-logits', default='blended', choices=['window', 'blended'],
                   help="Y of a training crop: the base model run on the crop (as the evaluation's tiles), or cropped from a blended map")
    p.add_argument('--name', default=None, help='results file name in bench/results (default refiner_h<history>)')
    a = p.parse_args()
    make_benchmark(a.root)
    base = BaseModel.load(a.base)
    train = [v.view for v in benchmark_views('train')]; test = [v.view for v in benchmark_views('test')]
    ref, rep = train_refiner(a.root, train, test, base, preset=a.preset, history=a.history, epochs=a.epochs, bs=a.bs,
                             samples_per_epoch=a.samples_per_epoch, lr=a.lr, seed=a.seed, out=a.out, storage=a.storage,
                             stroke_focus=a.stroke_focus, train_logits=a.train_logits, missed_branch=a.missed_branch)
    rep['base_weights'] = a.base; rep['weights'] = a.out
    print(json.dumps(rep['single_stroke_gain'], indent=1))
    print('saved', save_result(a.name or f'refiner_h{a.history}', rep))

if __name__ == '__main__': main()
