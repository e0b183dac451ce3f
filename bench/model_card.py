"""Write weights/SHA256SUMS and the model card weights/README.md from the checkpoints themselves.

    .venv/bin/python bench/model_card.py           # writes weights/SHA256SUMS, weights/card.json, weights/README.md
    .venv/bin/python bench/model_card.py --check   # writes nothing; exit 1 if any of the three is out of step with the checkpoints

Every figure on the card comes from the training report stored inside each checkpoint (and the results JSON of
its training run); nothing is typed by hand.
"""
import difflib, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from fusing_forces.models import load_model, sha256

W = Path(__file__).parent.parent/'weights'
RES = Path(__file__).parent/'results'
# refiner_oracle continues refiner_F3 (trained against the component oracle of the strokes instead of the GT), which continues refiner_F2;
# shipped with guard 'traced', 1 iteration (set in the checkpoint after training, which stores iterations = unroll; chosen on the validation
# mirrors by bench/trace_variants.py, bench/refiner_strokes.py --split valid and bench/simulation.py --split valid)
REFINER_RECIPE = '--long-miss 0.3 --faint-miss 0.5 --far 1 --unroll 2'
REFINER_COMMAND = ('OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py ' + REFINER_RECIPE + ' --epochs 12 --samples-per-epoch 768 --out F2.pth --name refiner_F2` then '
                   '`OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py ' + REFINER_RECIPE + ' --init F2.pth --epochs 14 --samples-per-epoch 1024 --lr 3e-4 '
                   '--out F3.pth --name refiner_F3` then `OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_refiner.py ' + REFINER_RECIPE + ' --target oracle '
                   '--init F3.pth --epochs 10 --samples-per-epoch 1024 --lr 3e-4 --out weights/refiner_default.pth --name refiner_oracle')
REFINER_RESULTS = 'refiner_oracle'
# how each shipped checkpoint was made: the command, and the results file its training run wrote (bench/results/<name>.json)
SHIPPED = {'base_default.pth': ('OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/train_base.py --epochs 80 --samples-per-epoch 1536 '
                                '--out weights/base_default.pth --name base_r1', 'base_r1'),
           'refiner_default.pth': (REFINER_COMMAND, REFINER_RESULTS)}

def card(path, cfg:dict, digest:str):
    "The card's lines for one checkpoint, from its config (`load_model(path).config`) and its SHA-256."
    rep = cfg.get('report', {})
    command, results = SHIPPED.get(path.name, ('?', None))
    res = json.loads((RES/f'{results}.json').read_text()) if results and (RES/f'{results}.json').is_file() else {}
    train, valid = res.get('train_views') or rep.get('train_views') or [], res.get('heldout_views') or res.get('valid_views') or []
    lines = [f"## `{path.name}`", "",
             f"- role: {cfg.get('role')}; preset `{cfg['preset']}` ({cfg.get('architecture')}); input channels {cfg['in_channels']} "
             f"({', '.join(cfg.get('channels', []))}{' + base logits + strokes' if cfg.get('role') == 'refiner' else ''})",
             f"- size {path.stat().st_size/1e6:.2f} MB; sha256 `{digest}`",
             f"- data: synthetic benchmark (`fusing_forces.benchmark`): trained on {len(train)} training mirrors "
             f"({train[0] if train else '?'} … {train[-1] if train else '?'}), selected on {len(valid)} validation mirrors "
             f"({', '.join(valid)}); the test mirrors are not used",
             f"- reproduce: `{command}` (results: `bench/results/{results}.json`)",
             f"- input statistics (mean, std inside the masks): {json.dumps(cfg.get('stats'))}"]
    if cfg.get('role') == 'base':
        lines += [f"- training: {rep.get('epochs_run')} of {rep.get('epochs')} epochs (best validation pFM kept) × {rep.get('samples_per_epoch')} crops, batch {rep.get('bs')}, one-cycle peak lr {rep.get('lr')}, "
                  f"{rep.get('train_s', 0)/60:.1f} min"]
        t = rep.get('tiles', {})
        lines += [f"- tile pFM at 0.5: validation {t.get('valid', {}).get('pfm', float('nan')):.4f}, test {t.get('test', {}).get('pfm', float('nan')):.4f}"]
        for v, s in rep.get('mirrors', {}).items():
            lines.append(f"- whole-mirror {v}: pFM {s['pfm']:.4f}, F1 {s['f1']:.4f}, IoU {s['iou']:.4f}")
    else:
        r = cfg.get('refine', {})
        lines += [f"- training: {rep.get('epochs_run')} epochs × {rep.get('samples_per_epoch')} samples, strokes per sample ≤ {rep.get('history')}, "
                  f"long misses {rep.get('long_miss', 0)}, faint misses {rep.get('faint_miss', 0)}, far loss λ {rep.get('far', 0)}, target {rep.get('target', 'gt')}, unrolled × {rep.get('unroll', 1)}; "
                  f"{rep.get('train_s', 0)/60:.1f} min, {rep.get('samples_per_s')} samples/s"
                  + (f", continuing the weights of {rep['init']} (warm start, peak lr {rep.get('lr')})" if rep.get('init') else '')]
        if r: lines.append(f"- refine defaults stored in the checkpoint: {json.dumps(r)}")
        for split, g in rep.get('single_stroke_gain', {}).items():
            if g: lines.append(f"- single-stroke mean pFM(Y′)/pFM(Y^Δ) of one network pass, {split} tiles: {g['mean']:.4f} ± {g['std']:.4f} (n = {g['n']}; "
                               f"manual-only pFM {g['mean_manual_pfm']:.4f}, refined {g['mean_refined_pfm']:.4f})")
    m = res.get('machine', {})
    if m: lines.append(f"- trained on: {m.get('cpu')}, {m.get('cores')} cores, GPU: {m.get('gpu') or 'none'}")
    return lines

PFM_TOLERANCE = 0.0005   # --check: a demo-mirror pFM measured again within this keeps the stored figure (other CPUs round differently)

def generate(check=False)->dict:
    "file name in weights/ → the text it should hold, computed from the checkpoints."
    import tempfile
    from fusing_forces.base_model import BaseModel
    from fusing_forces.demo import demo_mirror_pfm
    files = sorted(W.glob('*.pth'))
    digests = {p: sha256(p) for p in files}
    configs = {p: load_model(p).config for p in files}   # loading checks each shipped file against SHA256SUMS
    sums = ''.join(f"{digests[p]}  {p.name}\n" for p in files)
    stored = json.loads((W/'card.json').read_text()) if (W/'card.json').is_file() else {}
    card_json = {}
    with tempfile.TemporaryDirectory() as root:
        for p in files:
            if configs[p].get('role') == 'base':
                pfm, old = demo_mirror_pfm(BaseModel.load(p), root), stored.get(p.name, {})
                if check and old.get('sha256') == digests[p] and abs(old.get('demo_mirror_pfm', -1) - pfm) <= PFM_TOLERANCE: pfm = old['demo_mirror_pfm']
                card_json[p.name] = dict(sha256=digests[p], demo_mirror_pfm=pfm)
    text = ["# Shipped weights", "",
            "Trained on the synthetic benchmark on a CPU; loaded by name with `fusing_forces.checkpoints.shipped_weights(name)`, which checks "
            "the SHA-256 listed in `SHA256SUMS`. This card is generated by `bench/model_card.py` from the checkpoints' own training reports.", "",
            "Packaging: `setup.py` installs every file listed in `SHA256SUMS` (with `SHA256SUMS`, `card.json` and this card) as the "
            "package data `fusing_forces/weights/`, so the weights come with a plain, non-editable `pip install` and are found from any "
            "working directory; in a source checkout `fusing_forces.checkpoints.weights_dir()` reads this folder itself (`$FF_WEIGHTS` "
            "overrides both). A `.pth` file not listed in `SHA256SUMS` is not shipped (`bench/model_card.py` lists every `.pth` file of this folder there). "
            "`bash bench/wheel_check.sh` builds the wheel, installs it in a fresh virtualenv and runs the commands from outside the "
            "repository.", ""]
    for p in files:
        text += card(p, configs[p], digests[p])
        if p.name in card_json: text.append(f"- check: pFM {card_json[p.name]['demo_mirror_pfm']:.4f} on the demo mirror "
                                            f"(`fusing_forces.demo.demo_mirror_pfm`; the test in `nbs/10_demo.ipynb` reproduces it)")
        text.append("")
    return {'SHA256SUMS': sums, 'card.json': json.dumps(card_json, indent=1) + '\n', 'README.md': '\n'.join(text)}

def main():
    check = '--check' in sys.argv[1:]
    if not check:
        (W/'SHA256SUMS').write_text(''.join(f"{sha256(p)}  {p.name}\n" for p in sorted(W.glob('*.pth'))))   # first: loading checks it
        out = generate()
        for name, text in out.items(): (W/name).write_text(text)
        return print(out['README.md'])
    try: out = generate(check=True)
    except (ValueError, OSError) as e: sys.exit(f"error: {e}")   # a checkpoint that fails its checksum or does not load
    stale = {n: t for n, t in out.items() if not (W/n).is_file() or (W/n).read_text() != t}
    if not stale: return print(f"{W}: SHA256SUMS, card.json and README.md are in step with the checkpoints")
    diff = [l for n, t in stale.items() for l in difflib.unified_diff(((W/n).read_text() if (W/n).is_file() else '').splitlines(),
                                                                      t.splitlines(), f'weights/{n}', 'bench/model_card.py', lineterm='', n=0)]
    sys.exit(f"error: {W}: {', '.join(stale)} out of step with the checkpoints (run bench/model_card.py):\n" + '\n'.join(diff[:60]))

if __name__ == '__main__': main()
