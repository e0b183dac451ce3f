"""How far should a trace go? The `traced` guard's settings against the shipped `connected` guard, on the same strokes (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/trace_variants.py [--split valid] [--variants 'threshold=-2;threshold=-1,gap=0']

On the fixed stroke draws of the split's tiles (default: the validation mirrors, where settings are chosen), the shipped
refiner's network output is accepted by `connected` and by `traced` (`Refiner.refine_batch(..., guard='traced',
trace=settings)`: `connected` plus `fusing_forces.refiner.trace_stroke`) with each variant's keyword arguments (`;` separates variants, `,` the arguments of one; unnamed arguments keep the
defaults). Per variant: the analysis summary (ratio, share of the component oracle's gain, strokes made worse, reach
and reach by distance) and the paired difference of ratio, reach and strokes-made-worse to `connected`.
Writes bench/results/trace_variants_<split>.json with the defaults it ran with. The three rounds in bench/results ran
while the defaults were threshold −2 and turn cost 1 (round 1: `--variants ';threshold=-1;threshold=-3;max_turn=30,
turn_cost=0.3,gap=2;max_turn=20;max_turn=10;turn_cost=2;gap=0;gap=2;max_len=64;radius=1.5'`; rounds 2 and 3, with
`--name trace_variants_valid_round2` / `_round3`, the settings stored in their runs); the README lists every run with
all its settings, and the default now shipped (threshold −1, turn cost 4) is round 3's choice.
"""
import argparse, inspect, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
from guard_variants import case_args, load_cases
from fusing_forces.refiner import trace_stroke
from fusing_forces.analysis import stroke_effects, summarise, paired_difference

DEFAULTS = {k: v.default for k, v in inspect.signature(trace_stroke).parameters.items() if v.default is not inspect.Parameter.empty}   # the settings

def variants_arg(text:str)->list[dict]:
    out = []
    for item in text.split(';'):
        kw = {}
        for a in filter(None, item.split(',')):
            k, _, v = a.partition('=')
            if k not in DEFAULTS: raise argparse.ArgumentTypeError(f"{a!r}: unknown setting {k!r}; trace_stroke takes {', '.join(DEFAULTS)}")
            try: kw[k] = type(DEFAULTS[k])(v)   # int or float, as the default
            except ValueError: raise argparse.ArgumentTypeError(f"{a!r}: expected {k}=<{type(DEFAULTS[k]).__name__}>")
        out.append(kw)
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    case_args(p)
    p.add_argument('--variants', type=variants_arg, default=variants_arg(
        ';threshold=-1.5;threshold=-2;turn_cost=1;turn_cost=8;max_turn=10;gap=0;radius=1.5'))
    p.add_argument('--name', default=None)
    a = p.parse_args()
    views, ref, cases = load_cases(a)
    def show(name, r):
        s = r['summary']; d = r.get('paired_vs_connected', {})
        print(f"{name:38s} ratio {s['ratio']['mean']:.4f}  share {s['oracle_share']['mean']:.3f}  worse {s['worse']['mean']:.3f}  reach {s['reach']['mean']:.3f}"
              f"  16–32 px {s['reach_by_distance'][2]['restored']:.2f}"
              + ''.join(f"  Δ{k} {v['difference']:+.3f} [{v['ci'][0]:+.3f}, {v['ci'][1]:+.3f}]" for k, v in d.items()), flush=True)
    rows0 = stroke_effects(ref, cases, progress=True, guard='connected', iterations=1, locality=None)
    runs = {'connected': dict(summary=summarise(rows0, B=500))}; show('connected', runs['connected'])
    for kw in a.variants:
        t = time.time(); rows = stroke_effects(ref, cases, progress=True, guard='traced', iterations=1, locality=None, trace=kw); s = summarise(rows, B=500)
        name = 'traced' + ''.join(f" {k}={v:g}" for k, v in kw.items())
        runs[name] = dict(settings=kw, summary=s, seconds=round(time.time() - t, 1),
                          paired_vs_connected={k: paired_difference(rows, rows0, k, B=500) for k in ('ratio', 'reach', 'worse')})
        show(name, runs[name])
    rep = dict(base=a.base, refiner=a.refiner, split=a.split, views=views, draws=a.draws, seed=a.seed, n_cases=len(cases),
               defaults=DEFAULTS, runs=runs)
    print('saved', save_result(a.name or f'trace_variants_{a.split}', rep))

if __name__ == '__main__': main()
