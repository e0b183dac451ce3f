"""How far should a trace go? The `traced` guard's settings against the shipped `connected` guard, on the same strokes (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/trace_variants.py [--split valid] [--variants 'threshold=-2;threshold=-1,gap=0']

On the fixed stroke draws of the split's tiles (default: the validation mirrors, where settings are chosen), the shipped
refiner's network output is accepted by `connected` and by `traced` (`Refiner.refine_batch(..., guard='traced',
trace=settings)`: `fusing_forces.refiner.traced_changes`, `connected` plus `trace_stroke`'s paths) with each variant's keyword arguments (`;` separates variants, `,` the arguments of one; unnamed arguments keep the
defaults). Per variant: the analysis summary (ratio, share of the component oracle's gain, strokes made worse, reach
and reach by distance) and the paired difference of ratio, reach and strokes-made-worse to `connected`; and, for the add
strokes that close a gap at the default `anchor` (`closing_strokes`), how many there are, what the component oracle
could gain on them and how many each setting leaves worse.
Writes bench/results/trace_variants_<split>.json with the defaults it ran with. The three rounds in bench/results ran
while the defaults were threshold −2 and turn cost 1 (round 1: `--variants ';threshold=-1;threshold=-3;max_turn=30,
turn_cost=0.3,gap=2;max_turn=20;max_turn=10;turn_cost=2;gap=0;gap=2;max_len=64;radius=1.5'`; rounds 2 and 3, with
`--name trace_variants_valid_round2` / `_round3`, the settings stored in their runs) traced every end (their files
predate the `anchor` setting; their behaviour is `anchor=0`). Round 3 chose threshold −1 and turn cost 4. Round 4
(`--variants 'anchor=0;anchor=2;;anchor=3;anchor=4' --name trace_variants_valid_round4`) chose how near a line of the
tile a stroke's end must be to count as anchored (not traced; a stroke with both ends anchored closes a gap and accepts
nothing beyond itself): anchors of 1–4 px tie on the share of the oracle's gain, and the default (1 px) is the one with
the fewest strokes made worse whose reach stays above `connected`'s (paired interval above 0). Round 5
(`--variants 'threshold=-1.5;threshold=-2;threshold=-1.5,max_len=64' --name trace_variants_valid_round5`, at anchor 1)
chose threshold −2 by the first rule: anchored ends leave room for a longer trace. The README lists every run with all
its settings.
"""
import argparse, inspect, sys, time
import numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
from guard_variants import case_args, load_cases
from fusing_forces.refiner import trace_stroke, closing_strokes
from fusing_forces.analysis import stroke_effects, summarise, paired_difference

DEFAULTS = {k: v.default for k, v in inspect.signature(trace_stroke).parameters.items() if v.default not in (inspect.Parameter.empty, None)}   # the settings (not `paths`, a diagnostic output)

def trace_settings(items)->dict:
    "`trace_stroke` keyword arguments from 'name=value' strings, typed as its defaults (shared with `bench/refiner_strokes.py`)."
    kw = {}
    for a in items:
        k, _, v = a.partition('=')
        if k not in DEFAULTS: raise argparse.ArgumentTypeError(f"{a!r}: unknown setting {k!r}; trace_stroke takes {', '.join(DEFAULTS)}")
        try: kw[k] = type(DEFAULTS[k])(v)   # int or float, as the default
        except ValueError: raise argparse.ArgumentTypeError(f"{a!r}: expected {k}=<{type(DEFAULTS[k]).__name__}>")
    return kw

def variants_arg(text:str)->list[dict]: return [trace_settings(filter(None, item.split(','))) for item in text.split(';')]

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
    closes = np.array([c.stroke.max() > 0 and closing_strokes(c.stroke, c.y, anchor=DEFAULTS['anchor']).any() for c in cases])   # previous = Y, as refined
    adds = np.array([r['kind'] == 'add' for r in rows0])
    worse = lambda rows, sel: float(np.mean([r['refined'] < r['manual'] - 1e-9 for r, k in zip(rows, sel) if k]))
    closing = dict(anchor=DEFAULTS['anchor'], n_add=int(adds.sum()), n_closing=int(closes.sum()),
                   oracle=float(np.mean([r['oracle']/r['manual'] for r, k in zip(rows0, closes) if k and r['manual'] > 0])),
                   oracle_other_add=float(np.mean([r['oracle']/r['manual'] for r, k in zip(rows0, adds & ~closes) if k and r['manual'] > 0])),
                   missed_beyond=float(np.mean([('reach_total' in r) for r, k in zip(rows0, closes) if k])),
                   worse={'connected': dict(closing=worse(rows0, closes), other_add=worse(rows0, adds & ~closes))})
    for kw in a.variants:
        t = time.time(); rows = stroke_effects(ref, cases, progress=True, guard='traced', iterations=1, locality=None, trace=kw); s = summarise(rows, B=500)
        name = 'traced' + ''.join(f" {k}={v:g}" for k, v in kw.items())
        runs[name] = dict(settings=kw, summary=s, seconds=round(time.time() - t, 1),
                          paired_vs_connected={k: paired_difference(rows, rows0, k, B=500) for k in ('ratio', 'reach', 'worse')})
        closing['worse'][name] = dict(closing=worse(rows, closes), other_add=worse(rows, adds & ~closes))
        show(name, runs[name])
    print(f"add strokes that close a gap (both ends within {closing['anchor']:g} px of a line of Y): {closing['n_closing']} of {closing['n_add']}; "
          f"component oracle on them {closing['oracle']:.4f} (other add strokes {closing['oracle_other_add']:.4f}); missed line beyond the stroke on {100*closing['missed_beyond']:.0f} %; "
          "made worse: " + ', '.join(f"{k} {100*v['closing']:.1f} % (other add {100*v['other_add']:.1f} %)" for k, v in closing['worse'].items()))
    rep = dict(base=a.base, refiner=a.refiner, split=a.split, views=views, draws=a.draws, seed=a.seed, n_cases=len(cases),
               defaults=DEFAULTS, runs=runs, closing=closing)
    print('saved', save_result(a.name or f'trace_variants_{a.split}', rep))

if __name__ == '__main__': main()
