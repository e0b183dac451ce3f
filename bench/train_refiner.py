"""Train a refiner on the synthetic benchmark against a base model and measure what its strokes do (issues 6, 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py --out weights/refiner_default.pth --name refiner_default \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2
    torchrun --standalone --nproc_per_node 8 bench/train_refiner.py --preset paper --bf16 --channels-last --num-workers 6   # 8 GPUs

Trains on the benchmark's training mirrors, monitors the paper's metric on every tile of the validation mirrors, and
then measures on the validation mirrors' fixed stroke cases (`fusing_forces.analysis`) the ratio, stroke effect,
oracle share, reach (overall and by distance) and the share of strokes made worse, for the refine API without a
guard and with the connected guard at 1–3 iterations. The test mirrors are not touched. Writes the weights and
bench/results/<name>.json (training report, figures, machine).
"""
import argparse, json, sys
import torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, require_weights, repo
from fusing_forces.benchmark import view_ids, make_benchmark
from fusing_forces.base_model import BaseModel, load_grids, grid_logits
from fusing_forces.refiner_training import train_refiner
from fusing_forces.analysis import stroke_cases, stroke_effects, summarise
from fusing_forces.tiles import PATCH
from fusing_forces.distributed import is_main, barrier

SETTINGS = [('none', 1), ('connected', 1), ('connected', 2), ('connected', 3)]

def evaluate(ref, base, root, views, storage, draws=5, seed=0):
    "The analysis figures of `ref` on fixed stroke cases of `views`, for each guard / iterations setting."
    grids = load_grids(root, views, base.channels, base.stats, storage)
    cases = stroke_cases(grids, [grid_logits(base, g, stride=PATCH) for g in grids], draws=draws, seed=seed)
    out = {}
    for guard, it in SETTINGS:
        s = out[f'{guard}_{it}'] = summarise(stroke_effects(ref, cases, guard=guard, iterations=it), B=500)
        f = lambda k: f"{s[k]['mean']:.3f} [{s[k]['ci'][0]:.3f}, {s[k]['ci'][1]:.3f}]"
        print(f"guard={guard} iterations={it}: ratio {f('ratio')}, oracle {s['oracle']['mean']:.3f}, oracle share {s['oracle_share']['mean']:.2f}, "
              f"stroke effect {s['stroke_effect']['mean']:.3f}, network without a stroke {s['network_no_stroke']['mean']:.3f}, worse {s['worse']['mean']:.2f}, "
              f"reach {f('reach')} by distance {[round(b['restored'], 2) for b in s['reach_by_distance']]}", flush=True)
    return dict(views=list(views), n_cases=len(cases), draws=draws, seed=seed, settings=out)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--out', default=repo('weights/refiner_default.pth'))
    p.add_argument('--preset', default='default'); p.add_argument('--history', type=int, default=1)
    p.add_argument('--epochs', type=int, default=24); p.add_argument('--samples-per-epoch', type=int, default=1024)
    p.add_argument('--bs', type=int, default=8); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--train', default=None, help='comma-separated training views (default: the benchmark training split)')
    p.add_argument('--valid', default=None, help='comma-separated validation views (default: the benchmark validation split)')
    p.add_argument('--long-miss', type=float, default=0.0, help='probability that Y misses a long stretch of a GT line')
    p.add_argument('--faint-miss', type=float, default=0.0, help='probability that Y misses the faint stretches of the GT')
    p.add_argument('--far', type=float, default=0.0, help='λ of the far-loss term (0: the paper\'s Dice loss)')
    p.add_argument('--far-margin', type=float, default=6.0, help='px around the touched errors whose correct pixels the far loss weights too')
    p.add_argument('--target', default='gt', choices=['gt', 'oracle'],
                   help="the training target: the GT, or the component oracle of each sample's strokes (Y^Δ with the touched error components fixed)")
    p.add_argument('--unroll', type=int, default=1, help='network passes per training sample (the refiner then iterates as often)')
    p.add_argument('--train-logits', default='blended', choices=['window', 'blended'],
                   help="Y of a training crop: the base model run on the crop (as the evaluation's tiles), or cropped from a blended map")
    p.add_argument('--name', default=None, help='results file name in bench/results (default refiner_h<history>)')
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    p.add_argument('--bf16', action='store_true', help='bf16 mixed precision (GPU)')
    p.add_argument('--channels-last', action='store_true', help='channels-last memory format (GPU)')
    p.add_argument('--num-workers', type=int, default=0, help='loader processes per training process')
    p.add_argument("--init", default=None, help="a refiner checkpoint to continue training from (warm start)")
    p.add_argument('--no-eval', action='store_true', help='skip the analysis of the validation strokes')
    a = p.parse_args()
    if a.far_margin < 0: p.error(f"--far-margin: expected ≥ 0 px, got {a.far_margin:g}")
    if a.unroll < 1: p.error(f"--unroll: expected ≥ 1 network passes, got {a.unroll}")
    if a.init: require_weights(a.init, 'refiner', '--init')   # before the benchmark is generated and the data loaded
    if a.threads: torch.set_num_threads(a.threads)
    train = a.train.split(',') if a.train else view_ids('train'); valid = a.valid.split(',') if a.valid else view_ids('valid')
    if is_main(): make_benchmark(a.root, views=train + valid)   # launched on several processes: generated once, while the others wait
    barrier()
    base = BaseModel.load(a.base)
    ref, rep = train_refiner(a.root, train, valid, base, preset=a.preset, history=a.history, epochs=a.epochs, bs=a.bs,
                             samples_per_epoch=a.samples_per_epoch, lr=a.lr, seed=a.seed, out=a.out, storage=a.storage,
                             long_miss=a.long_miss, faint_miss=a.faint_miss, far=a.far, far_margin=a.far_margin, target=a.target, unroll=a.unroll, train_logits=a.train_logits,
                             bf16=a.bf16, channels_last=a.channels_last, num_workers=a.num_workers, init=a.init,
                             device='cuda' if torch.cuda.is_available() else None)
    rep['base_weights'] = a.base; rep['weights'] = a.out; rep['train_views'] = train; rep['valid_views'] = valid
    if not is_main(): return
    print(json.dumps(rep['single_stroke_gain'], indent=1))
    if not a.no_eval: rep['analysis_valid'] = evaluate(ref, base, a.root, valid, a.storage)
    print('saved', save_result(a.name or f'refiner_h{a.history}', rep))

if __name__ == '__main__': main()
