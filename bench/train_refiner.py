"""Train the refiner on the synthetic benchmark against the shipped base model; record its report (issue 6).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py --history 1 --out weights/refiner_default.pth
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py --history 4 --out weights/refiner_history.pth
    torchrun --standalone --nproc_per_node 8 bench/train_refiner.py --preset paper --bf16 --channels-last --num-workers 6   # 8 GPUs

Writes the weights and bench/results/refiner_h<history>.json: the single-stroke gain mean pFM(Y')/pFM(Y^Δ) on the
validation and test tiles of the held-out mirrors (with its spread), training time and samples/s, machine.
"""
import argparse, json, sys
import torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
from fusing_forces.benchmark import benchmark_views, make_benchmark
from fusing_forces.base_model import BaseModel
from fusing_forces.refiner import train_refiner
from fusing_forces.distributed import is_main, barrier

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
    p.add_argument('--bf16', action='store_true', help='bf16 mixed precision (GPU)')
    p.add_argument('--channels-last', action='store_true', help='channels-last memory format (GPU)')
    p.add_argument('--num-workers', type=int, default=0, help='loader processes per training process')
    a = p.parse_args()
    if is_main(): make_benchmark(a.root)   # launched on several processes: generated once, while the others wait
    barrier()
    base = BaseModel.load(a.base)
    train = [v.view for v in benchmark_views('train')]; test = [v.view for v in benchmark_views('test')]
    ref, rep = train_refiner(a.root, train, test, base, preset=a.preset, history=a.history, epochs=a.epochs, bs=a.bs,
                             samples_per_epoch=a.samples_per_epoch, lr=a.lr, seed=a.seed, out=a.out, storage=a.storage,
                             stroke_focus=a.stroke_focus, train_logits=a.train_logits, missed_branch=a.missed_branch,
                             bf16=a.bf16, channels_last=a.channels_last, num_workers=a.num_workers,
                             device='cuda' if torch.cuda.is_available() else None)
    rep['base_weights'] = a.base; rep['weights'] = a.out
    if not is_main(): return
    print(json.dumps(rep['single_stroke_gain'], indent=1))
    print('saved', save_result(a.name or f'refiner_h{a.history}', rep))

if __name__ == '__main__': main()
