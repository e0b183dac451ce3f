"""Is the data pipeline the bottleneck? Samples/s of the training data alone vs the training step, both networks (issue 18).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/data_pipeline.py [--workers 2] [--samples 256] [--steps 12]

For the base model (line-biased crops with flips, rotations, affine) and the refiner (crops of the base logits,
skeleton, simulated stroke histories), on synthetic mirrors written to a temporary folder:
- pipeline: samples/s of the fastai training loader alone, in the main process (0 workers) and with `--workers`;
- step: samples/s of the training step alone (forward, Dice loss, backward, clip, Adam) on a batch already in memory,
  `default` preset, batch 8 of 256², this machine's torch threads;
- end to end: samples/s of the step fed by the loader, in the main process and with `--workers` (these share the
  cores with the step here; on a GPU machine the step runs on the GPU).
The ratio pipeline(workers) / step says how much headroom the loader has. The machine is shared: `uptime` and the
load averages before and after are recorded with the figures. Writes bench/results/data_pipeline.json.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
import numpy as np, torch
from fastai.data.core import DataLoaders
from fusing_forces.synthetic import make_tiny_etmira
from fusing_forces.models import build_model, DiceLossFlat
from fusing_forces.base_model import (BaseModel, GridMirror, load_grids, grid_stats, standardise, base_dataloaders,
                                      mirror_tiles)
from fusing_forces.refiner_training import RefinerCropDataset, RefinerTileDataset, shared_logits

def load():
    "uptime's line and the load averages."
    return dict(uptime=subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip(), loadavg=os.getloadavg())

def pipeline_rate(dl, n_samples):
    "Samples/s of iterating the loader for `n_samples` (one warm-up batch not counted)."
    it = iter(dl); next(it); got = 0; t = time.perf_counter()
    for xb, yb in it:
        got += len(xb)
        if got >= n_samples: break
    return got/(time.perf_counter() - t)

def training_step(model):
    "One training step of `model` on a batch: forward, Dice loss, backward, clip 2, Adam."
    opt, loss_func = torch.optim.Adam(model.parameters(), 1e-3), DiceLossFlat()
    def step(xb, yb):
        loss = loss_func(model(xb), yb); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0); opt.step(); opt.zero_grad()
    return step

def step_rate(model, xb, yb, steps):
    "Samples/s of the training step on one in-memory batch."
    step = training_step(model); step(xb, yb); t = time.perf_counter()
    for _ in range(steps): step(xb, yb)
    return steps*len(xb)/(time.perf_counter() - t)

def end_to_end_rate(model, dl, n_samples):
    "Samples/s of the training step fed by the loader."
    step = training_step(model); it = iter(dl); next(it); got = 0; t = time.perf_counter()
    for xb, yb in it:
        step(xb, yb); got += len(xb)
        if got >= n_samples: break
    return got/(time.perf_counter() - t)

def measure(name, make_dl, in_channels, a):
    print(f'== {name}', flush=True)
    res = {}
    res['pipeline_0_workers'] = pipeline_rate(make_dl(0), a.samples)
    res[f'pipeline_{a.workers}_workers'] = pipeline_rate(make_dl(a.workers), a.samples)
    xb, yb = make_dl(0).one_batch()
    torch.manual_seed(0)
    res['step'] = step_rate(build_model('default', in_channels), xb, yb, a.steps)
    for w in (0, a.workers):
        torch.manual_seed(0)
        res[f'end_to_end_{w}_workers'] = end_to_end_rate(build_model('default', in_channels), make_dl(w), a.steps*a.bs)
    res['ratio_pipeline_to_step'] = res[f'pipeline_{a.workers}_workers']/res['step']
    res = {k: round(v, 2) for k, v in res.items()}
    print(res, flush=True)
    return res

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--workers', type=int, default=2); p.add_argument('--samples', type=int, default=256)
    p.add_argument('--steps', type=int, default=12); p.add_argument('--bs', type=int, default=8)
    p.add_argument('--mirror-size', type=int, default=2048, help='side of the synthetic mirrors in px (model grid: half)')
    p.add_argument('--base', default=repo('weights/base_default.pth'), help='base model whose logits the refiner trains on')
    a = p.parse_args()
    before = load()
    tmp = Path(tempfile.mkdtemp(prefix='ff_pipeline_'))
    views = make_tiny_etmira(tmp, n=3, size=a.mirror_size)
    base = BaseModel.load(a.base)
    train = load_grids(tmp, views[:2], base.channels, base.stats, tmp/'cache'); held = load_grids(tmp, views[2:], base.channels, base.stats, tmp/'cache')
    tiles = mirror_tiles(held)
    base_dl = lambda w: base_dataloaders(train, held, tiles, bs=a.bs, samples_per_epoch=a.samples + 2*a.bs, seed=0,
                                         num_workers=w).train
    logits = shared_logits(base, train, storage=tmp/'cache')
    def refiner_dl(w):
        ds = RefinerCropDataset(train, logits, length=a.samples + 2*a.bs, history=4, seed=0)
        return DataLoaders.from_dsets(ds, ds, bs=a.bs, num_workers=w, shuffle=False, drop_last=True).train
    res = dict(base=measure('base model', base_dl, len(base.channels), a),
               refiner=measure('refiner (history 4)', refiner_dl, len(base.channels) + 2, a))
    after = load()
    res.update(workers=a.workers, samples=a.samples, steps=a.steps, bs=a.bs, preset='default', size=256,
               mirror_grid=[a.mirror_size//2]*2, load_before=before, load_after=after)
    shutil.rmtree(tmp, ignore_errors=True)
    print("saved", save_result("data_pipeline", res))

if __name__ == '__main__': main()
