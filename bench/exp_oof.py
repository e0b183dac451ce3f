"""Experiment (issue 15): train the refiner on out-of-fold base predictions, the misses it meets at test time.

The shipped refiner trains on Y = the shipped base model's logits on the training mirrors, which that model has
seen: there it misses little, so the recipe erases stretches of Y by hand (`--long-miss`, `--faint-miss`). Here Y of
each training mirror comes instead from a base model that did not see that mirror (K folds of the training
mirrors), as RITM-style pipelines do for their previous-mask inputs. Three steps:

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_oof.py bases --folds 2 --epochs 30 --out-dir <dir>
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_oof.py refiner --bases <dir> --init weights/refiner_default.pth \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2 --epochs 10 --samples-per-epoch 1024 --lr 3e-4 --out <weights> --name refiner_oof
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_oof.py compare <weights> weights/refiner_default.pth refiner_oof
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_oof.py misses --bases <dir>

`bases` trains fold k's base model on the training mirrors outside fold k (fold k = every K-th mirror from the
k-th), early-stopped on the validation mirrors, into <dir>/base_fold<k>.pth, and writes
bench/results/base_oof.json (each fold's mirrors and validation figures). `refiner` runs bench/train_refiner.py
(its arguments after `--bases`) with each training mirror's Y from the fold model that did not see it; the
validation monitor and the analysis keep the shipped base model, so the figures are comparable with the shipped
refiner's. `compare` is bench/exp_refiner_inputs.py's `compare plain`: the paired differences on the validation
strokes, added to the results file. `misses` checks that the fold models' Y is realistic: the share of the GT
skeleton that Y misses (and of Y's line pixels off the GT) on the training mirrors, in-sample and out-of-fold,
against the shipped base model on the validation mirrors' tiles (what the refiner meets at test time); into
bench/results/base_oof.json. The test mirrors are not touched.
"""
import argparse, json, runpy, sys, time
from pathlib import Path
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import _machine

def folds(views:list, k:int)->list:
    "The K folds of `views`: fold i is every K-th view from the i-th."
    return [views[i::k] for i in range(k)]

def bases(argv):
    from fusing_forces.benchmark import view_ids, make_benchmark
    from fusing_forces.base_model import train_base
    p = argparse.ArgumentParser(prog='exp_oof.py bases')
    p.add_argument('--folds', type=int, default=2); p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--samples-per-epoch', type=int, default=1024); p.add_argument('--patience', type=int, default=10)
    p.add_argument('--out-dir', required=True); p.add_argument('--name', default='base_oof')
    a = p.parse_args(argv)
    if a.folds < 2: sys.exit(f"error: --folds {a.folds}: needs at least 2 folds")
    root = HERE.parent; out = Path(a.out_dir); out.mkdir(parents=True, exist_ok=True)
    train, valid = view_ids('train'), view_ids('valid')
    make_benchmark(root/'data/benchmark', views=train + valid)
    rep = dict(folds=[], epochs=a.epochs, samples_per_epoch=a.samples_per_epoch)
    for k, held in enumerate(folds(train, a.folds)):
        seen = [v for v in train if v not in held]; t0 = time.time()
        _, r = train_base(root/'data/benchmark', seen, valid, epochs=a.epochs, samples_per_epoch=a.samples_per_epoch,
                          patience=a.patience, out=out/f'base_fold{k}.pth', storage=root/'data/cache')
        rep['folds'].append(dict(weights=str(out/f'base_fold{k}.pth'), held_out=held, train_s=round(time.time() - t0, 1),
                                 epochs_run=r['epochs_run'], tiles=r['tiles'],
                                 mirrors={v: round(s['pfm'], 4) for v, s in r['mirrors'].items()}))
        print(f"fold {k}: held out {len(held)} mirrors, validation tiles {json.dumps(r['tiles'])}", flush=True)
    print('saved', _machine.save_result(a.name, rep))

def patch(base_dir:str)->dict:
    "Make `refiner_training.shared_logits` give each training mirror the logits of the fold model that did not see it; return the folds' record."
    import fusing_forces.refiner_training as RT
    from fusing_forces.base_model import BaseModel, load_grids
    from fusing_forces.tiles import STRIDE
    rep = _machine.RESULTS/'base_oof.json'
    if not rep.is_file(): sys.exit(f"error: {rep}: no fold base models recorded (run `{Path(__file__).name} bases` first)")
    d = json.loads(rep.read_text())
    owner = {}
    for f in d['folds']:
        w = Path(base_dir)/Path(f['weights']).name
        _machine.require_weights(w, 'base', '--bases')
        for v in f['held_out']: owner[v] = w
    plain = RT.shared_logits
    loaded = {}
    def oof(base, grids, stride=STRIDE, storage=None):
        if stride != STRIDE or not all(g.view in owner for g in grids): return plain(base, grids, stride=stride, storage=storage)
        out = []
        for g in grids:   # each mirror normalised with its fold model's statistics, predicted by it
            w = owner[g.view]
            if w not in loaded: loaded[w] = BaseModel.load(w)   # each fold model loaded once
            m = loaded[w]
            gg = load_grids(HERE.parent/'data/benchmark', [g.view], m.channels, m.stats, storage)
            out += plain(m, gg, stride=stride, storage=storage)
        print(f"out-of-fold Y for {len(grids)} training mirrors from {len(set(owner[g.view] for g in grids))} fold models", flush=True)
        return out
    RT.shared_logits = oof
    return d

def misses(base_dir:str):
    "Share of the GT skeleton missed by Y (and share of Y off the GT): training mirrors in-sample and out-of-fold, validation tiles."
    import numpy as np
    import fusing_forces.refiner_training as RT
    from fusing_forces.benchmark import view_ids
    from fusing_forces.base_model import BaseModel, load_grids
    from fusing_forces.metrics import thin_gt
    from fusing_forces.tiles import PATCH
    root = HERE.parent; data, cache = root/'data/benchmark', root/'data/cache'
    plain = RT.shared_logits; patch(base_dir)   # the fold record and models checked before any work
    b = BaseModel.load(root/'weights/base_default.pth')
    train = load_grids(data, view_ids('train'), b.channels, b.stats, cache); valid = load_grids(data, view_ids('valid'), b.channels, b.stats, cache)
    seen, oof = plain(b, train, storage=cache), RT.shared_logits(b, train, storage=cache)
    held = plain(b, valid, stride=PATCH, storage=cache)
    def rates(grids, logits):
        miss = skel = off = line = 0
        for g, l in zip(grids, logits):
            m = np.ones(g.gt.shape, bool) if g.mask is None else g.mask
            sk = thin_gt(g.gt & m); y = (l > 0) & m
            miss += (sk & ~y).sum(); skel += sk.sum(); off += (y & ~g.gt).sum(); line += y.sum()
        return dict(missed_skeleton=round(float(miss/skel), 4), off_gt=round(float(off/max(line, 1)), 4))
    out = {'train, shipped base (seen in training)': rates(train, seen), 'train, out-of-fold': rates(train, oof),
           'valid tiles, shipped base (unseen)': rates(valid, held)}
    for k, v in out.items(): print(f"{k}: Y misses {100*v['missed_skeleton']:.1f} % of the GT skeleton, {100*v['off_gt']:.1f} % of Y is off the GT")
    print('saved', _machine.add_to_result('base_oof', 'misses', out))

def main():
    if len(sys.argv) >= 2 and sys.argv[1] == 'bases': return bases(sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1:3] == ['misses', '--bases']: return misses(sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == 'compare':
        import exp_refiner_inputs
        return exp_refiner_inputs.compare('plain', *sys.argv[2:])
    if len(sys.argv) >= 4 and sys.argv[1] == 'refiner' and sys.argv[2] == '--bases':
        args = sys.argv[4:]
        record = patch(sys.argv[3])
        save = _machine.save_result
        words = f"Y of each training mirror from one of {len(record['folds'])} fold base models that did not see it (out-of-fold)"
        _machine.save_result = lambda name, rep: save(name, dict(rep, variant=f"oof: {words}", oof_bases=record))
        sys.argv = [str(HERE/'train_refiner.py')] + args
        return runpy.run_path(str(HERE/'train_refiner.py'), run_name='__main__')
    sys.exit(f"usage: {Path(__file__).name} bases --folds K --epochs N --out-dir DIR\n"
             f"       {Path(__file__).name} refiner --bases DIR [bench/train_refiner.py arguments]\n"
             f"       {Path(__file__).name} compare WEIGHTS INIT_WEIGHTS RESULTS_NAME\n"
             f"       {Path(__file__).name} misses --bases DIR")

if __name__ == '__main__': main()
