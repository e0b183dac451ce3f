"""Experiment (issue 15): is the refiner's reach limited by its receptive field or by how it sees the stroke, or its precision by its loss?
Variants of the shipped refiner's network, each trained on from its weights with bench/train_refiner.py:

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_refiner_inputs.py dilated --init <plain refiner> \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2 --epochs 10 --samples-per-epoch 1024 --lr 5e-4 --out <weights> --name refiner_dilated
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_refiner_inputs.py fields --init <plain refiner> \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2 --epochs 10 --samples-per-epoch 1024 --lr 3e-4 --out <weights> --name refiner_fields
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_refiner_inputs.py ring --init <plain refiner> \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2 --epochs 10 --samples-per-epoch 1024 --lr 3e-4 --out <weights> --name refiner_ring
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_refiner_inputs.py pfm --init weights/refiner_default.pth \
        --long-miss 0.3 --faint-miss 0.5 --far 1 --far-margin 6 --target oracle --unroll 2 --epochs 5 --samples-per-epoch 1024 --lr 3e-4 \
        --threads 1 --out <weights> --name refiner_pfm5

- `dilated`: the two convolutions of the UNet's deepest level (1/16 resolution) dilated by 2 and 4, which widens
  the receptive field there from 5 × 5 to 13 × 13 cells (80 → 208 px); the weights keep their shapes, so the
  plain refiner's weights are the start.
- `fields`: the stroke map also enters as two Gaussian-blurred "stroke fields" (σ 8 and 24 px, scaled so that a
  line stroke peaks near ±1), computed inside the network: every pixel sees how near a stroke is. The first
  convolution gets two more input channels, zero-initialised, so training starts from exactly the plain
  refiner's function.
- `ring` (a loss, the network is the plain one): the training loss also gets the mean BCE over the background
  ring within 3 px of the GT line, weighted 1, against drawing a restored line too wide. Strokes that leave the
  tile worse mostly add line next to the GT (measured: a median 16 such pixels per worse add stroke against 7
  restored), and the pFM's precision counts every one of them.
- `pfm` (a loss, the network is the plain one): the training loss also gets 1 − a soft pFM of each pass over the region
  the far loss weighs (the error components the strokes touch and the correct pixels within the far margin): soft
  precision Σp·t / Σp over the line drawn there, soft pseudo-recall Σp·s / Σs over the target's skeleton s there. The
  metric itself rewards covering the centre line and penalises every pixel drawn beside it, where Dice asks for the
  engraving's full width.

Training against the component oracle of the strokes instead of the GT, first tried here, is now the library's
`train_refiner(target='oracle')` (`bench/train_refiner.py --target oracle`, nb 07b), which trained `refiner_oracle`.

Everything after the argument naming the variant is bench/train_refiner.py's (training, then the analysis of the
validation strokes). Then, on the same validation strokes, the paired differences to the refiner it started from
(guard `connected`, 1 iteration), added to its results file:

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/exp_refiner_inputs.py compare fields <weights> <plain refiner> refiner_fields

(`compare plain …` does the same for a refiner of the plain network, e.g. a longer run or another recipe.)
 The checkpoints need this script's variant to be loaded again (they are not presets, so
they are not shipped); bench/results/<name>.json records the variant.
"""
import json, math, runpy, sys, tempfile
from pathlib import Path
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
import _machine
import fusing_forces.models as M
from fusing_forces.lines import line_skeleton

VARIANTS = {'dilated': "the deepest UNet level's two convolutions dilated by 2 and 4, widening its receptive field from 80 to 208 px",
            'fields': "the strokes also as two Gaussian-blurred stroke fields at σ 8 and 24 px, in extra input channels"}
LOSSES = {'ring': "the loss also penalises line drawn within 3 px beside the GT (BCE over that ring, weight 1)",
          'pfm': "the loss also gets 1 − a soft pFM of each pass where the far loss weighs (the touched errors and their margin): precision over the drawn line there, recall over the target's skeleton there"}
SIGMAS, DILATIONS, RING, RING_WEIGHT = (8.0, 24.0), (2, 4), 3, 1.0

def soft_pfm_loss(p:torch.Tensor, target:torch.Tensor, skel:torch.Tensor, region:torch.Tensor, eps:float=1.0)->torch.Tensor:
    "Mean over the samples with a target skeleton in `region` of 1 − soft pFM there: precision Σp·t/Σp, pseudo-recall Σp·skel/Σskel (p: probabilities (B,1,h,w))."
    p, t, k = p * region, target * region, skel * region
    tp = (p * t).sum((1, 2, 3)); prec = (tp + eps) / (p.sum((1, 2, 3)) + eps)
    rec = ((p * k).sum((1, 2, 3)) + eps) / (k.sum((1, 2, 3)) + eps)
    has = (k.sum((1, 2, 3)) > 0).float()
    return ((1 - 2 * prec * rec / (prec + rec)) * has).sum() / has.sum().clamp_min(1.0)

def patch_loss(kind:str='ring'):
    "Add a term to `RefinerLoss` for each pass: `ring`, the mean BCE over the background within `RING` px of the GT; `pfm`, `soft_pfm_loss` over the far loss's region."
    import fusing_forces.refiner_training as RT
    plain = RT.RefinerLoss.__call__
    def call_pfm(self, logits, target):
        if target.shape[1] < 2: return plain(self, logits, target)   # validation tiles: GT only, no region
        gt = target[:, :1].float(); region = (target[:, 1:2] > 0).float()
        skel = torch.from_numpy(np.stack([line_skeleton(g > 0.5) for g in gt[:, 0].cpu().numpy()])[:, None].astype(np.float32)).to(gt)
        extra = sum(soft_pfm_loss(torch.sigmoid(logits[:, k:k+1].float()), gt, skel, region) for k in range(logits.shape[1]))
        return plain(self, logits, target) + extra
    def call(self, logits, target):
        gt = target[:, :1].float()
        ring = F.max_pool2d(gt, 2*RING + 1, stride=1, padding=RING) - gt
        extra = sum(RING_WEIGHT * (ring * F.binary_cross_entropy_with_logits(logits[:, k:k+1].float(), gt, reduction='none')).sum()
                    / ring.sum().clamp_min(1.0) for k in range(logits.shape[1]))
        return plain(self, logits, target) + extra
    RT.RefinerLoss.__call__ = call_pfm if kind == 'pfm' else call

def _kernel(s:float)->torch.Tensor:
    "1-D Gaussian of σ `s`, scaled so that blurring a 1-px line across gives a peak near 1."
    r = int(3 * s); t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t**2 / (2 * s * s)); return k * (math.sqrt(2 * math.pi) * s) / k.sum()

class StrokeFields(nn.Module):
    "`net` fed its input plus the last channel (the strokes) blurred at each σ of `SIGMAS` (separable, zero-padded)."
    def __init__(self, net:nn.Module):
        super().__init__(); self.net = net
        for i, s in enumerate(SIGMAS): self.register_buffer(f'k{i}', _kernel(s), persistent=False)
    def forward(self, x):
        s, fields = x[:, -1:], []
        for i in range(len(SIGMAS)):
            k = getattr(self, f'k{i}').to(x); r = (k.numel() - 1) // 2
            f = F.conv2d(F.pad(s, (r, r, 0, 0)), k.view(1, 1, 1, -1))
            fields.append(F.conv2d(F.pad(f, (0, 0, r, r)), k.view(1, 1, -1, 1)))
        return self.net(torch.cat([x] + fields, 1))

def patch(variant:str):
    "Make `fusing_forces.models` build refiner networks (≥ 3 input channels) as `variant`; base models stay plain."
    plain = M._build_net
    def build(preset, in_channels):
        if in_channels < 3: return plain(preset, in_channels)
        if variant == 'fields':
            net, stride = plain(preset, in_channels + len(SIGMAS)); return StrokeFields(net), stride
        net, stride = plain(preset, in_channels)
        for block, d in zip(net.down[-1], DILATIONS): block[0].dilation, block[0].padding = (d, d), (d, d)
        return net, stride
    M._build_net = build
    return plain

def fields_init(path:str, plain_build)->str:
    "A `fields` checkpoint computing exactly what the plain refiner at `path` computes (zero weights on the fields)."
    from fusing_forces.refiner import Refiner, build_refiner
    patched = M._build_net; M._build_net = plain_build
    try: plain = Refiner.load(path)
    finally: M._build_net = patched
    new = build_refiner(plain.preset, plain.channels, plain.stats); state = new.model.state_dict()
    for k, v in plain.model.state_dict().items():
        k2 = k.replace('net.', 'net.net.', 1)
        if state[k2].shape == v.shape: state[k2] = v
        else: w = torch.zeros_like(state[k2]); w[:, :v.shape[1]] = v; state[k2] = w
    new.model.load_state_dict(state); new.meta.update(plain.meta)
    out = Path(tempfile.mkdtemp())/f'{Path(path).stem}_fields.pth'; new.save(out)
    return str(out)

def compare(variant:str, weights:str, plain_path:str, name:str):
    "Paired differences (ratio, reach, strokes made worse) of the `variant` refiner at `weights` to the plain one, on the validation strokes; into bench/results/<name>.json."
    from fusing_forces.benchmark import make_benchmark
    from fusing_forces.base_model import BaseModel, load_grids, grid_logits
    from fusing_forces.refiner import Refiner
    from fusing_forces.analysis import stroke_cases, stroke_effects, paired_difference
    from fusing_forces.tiles import PATCH
    for path in (weights, plain_path): _machine.require_weights(path, 'refiner', None)
    rep = _machine.RESULTS/f'{name}.json'
    if not rep.is_file(): sys.exit(f"error: {rep}: no results file to add to (train the variant first)")
    root = HERE.parent   # the repository: its benchmark, cache and base weights, from any working directory
    d = json.loads(rep.read_text()); base = BaseModel.load(root/d.get('base_weights', 'weights/base_default.pth'))
    make_benchmark(root/'data/benchmark', views=d['valid_views'], progress=False)
    grids = load_grids(root/'data/benchmark', d['valid_views'], base.channels, base.stats, root/'data/cache')
    cases = stroke_cases(grids, [grid_logits(base, g, stride=PATCH) for g in grids], draws=5, seed=0)
    rows0 = stroke_effects(Refiner.load(plain_path), cases, guard='connected', iterations=1, locality=None)
    plain = patch(variant) if variant in VARIANTS else M._build_net   # 'plain': a refiner of the shipped network (a longer run, another recipe)
    try: rows = stroke_effects(Refiner.load(weights), cases, guard='connected', iterations=1, locality=None)
    finally: M._build_net = plain
    paired = {k: paired_difference(rows, rows0, k, B=1000) for k in ('ratio', 'reach', 'worse')}
    for k, v in paired.items(): print(f"{k} {v['difference']:+.4f} [{v['ci'][0]:+.4f}, {v['ci'][1]:+.4f}]")
    print('saved', _machine.add_to_result(name, 'paired_vs_init_valid', paired))

def main():
    if len(sys.argv) == 6 and sys.argv[1] == 'compare' and sys.argv[2] in (*VARIANTS, 'plain'): return compare(*sys.argv[2:])
    if len(sys.argv) < 2 or sys.argv[1] not in (*VARIANTS, *LOSSES): sys.exit(f"usage: {Path(__file__).name} {{{','.join([*VARIANTS, *LOSSES])}}} [bench/train_refiner.py arguments]\n"
                                                                            f"       {Path(__file__).name} compare {{{','.join(VARIANTS)},plain}} WEIGHTS PLAIN_WEIGHTS RESULTS_NAME")
    variant, args = sys.argv[1], sys.argv[2:]
    if '--init' in args:
        i = args.index('--init') + 1
        if i >= len(args) or not Path(args[i]).is_file(): sys.exit(f"error: --init {args[i] if i < len(args) else ''}: file does not exist")
    plain = patch_loss(variant) if variant in LOSSES else patch(variant)
    if variant == 'fields' and '--init' in args: i = args.index('--init') + 1; args[i] = fields_init(args[i], plain)
    save = _machine.save_result
    _machine.save_result = lambda name, rep: save(name, dict(rep, variant=f"{variant}: {({**VARIANTS, **LOSSES})[variant]}"))   # train_refiner.py imports it from here
    sys.argv = [str(HERE/'train_refiner.py')] + args
    runpy.run_path(str(HERE/'train_refiner.py'), run_name='__main__')

if __name__ == '__main__': main()
