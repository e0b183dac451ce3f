"""Experiment: does a residual refiner (output = network correction + the base logits it is given) learn a larger
single-stroke gain than the plain one? Same data, same training recipe as bench/train_refiner.py.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_residual_refiner.py --history 1 --epochs 12

Writes bench/results/refiner_residual_h<history>.json. The weights are not shipped (the wrapper is not a preset).
"""
import argparse, json, sys
from pathlib import Path
import torch.nn as nn
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result, repo
import fusing_forces.refiner as R
import fusing_forces.refiner_training as T
from fusing_forces.models import build_model
from fusing_forces.base_model import BaseModel
from fusing_forces.benchmark import benchmark_views

class Residual(nn.Module):
    "The network predicts a correction to the (decoded, clipped) base logits in its input."
    def __init__(self, net): super().__init__(); self.net = net
    def forward(self, x): return self.net(x) + x[:, -2:-1]*(R.LOGIT_CLIP/2)

def build_residual(preset='default', channels=('depth',), stats=None):
    channels = R.check_channels(channels)
    return R.Refiner(Residual(build_model(preset, len(channels) + 2)), preset, channels, stats)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', default=repo('data/benchmark')); p.add_argument('--storage', default=repo('data/cache'))
    p.add_argument('--base', default=repo('weights/base_default.pth')); p.add_argument('--history', type=int, default=1)
    p.add_argument('--epochs', type=int, default=12)
    a = p.parse_args()
    T.build_refiner = build_residual  # train_refiner builds its network through this name
    base = BaseModel.load(a.base)
    train = [v.view for v in benchmark_views('train')]; test = [v.view for v in benchmark_views('test')]
    _, rep = T.train_refiner(a.root, train, test, base, history=a.history, epochs=a.epochs, storage=a.storage, progress=False)
    rep['variant'] = 'residual: output = network(x) + clipped base logits'
    print(json.dumps(rep['single_stroke_gain'], indent=1))
    print('saved', save_result(f'refiner_residual_h{a.history}', rep))

if __name__ == '__main__': main()
