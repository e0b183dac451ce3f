"""What the saving target asks of a refiner: manual input saved against the component oracle's reach (issue 15).

    .venv/bin/python bench/upper_bounds.py [--out docs/upper_bounds.png] [--margin-out docs/saving_vs_margin.png]

Reads the simulation results of the upper bounds (`bench/simulation.py --oracle-reach R --name
simulation_<split>_oracle_reach_<R>`, `--cleaned --name simulation_<split>_cleaned`) and of the shipped refiner on the
same mirrors and seeds, and plots per mirror the saving of the component oracle against R, with the shipped refiner,
the cleaned refiner and the target of 50 % as horizontal lines; one panel per split (validation, test) with results.
Then, for every simulation of each split in bench/results (`report.margin_runs`), the saving against how far the refined
run's final pFM ends above the manual run's, one colour per mirror, the upper bounds hollow (`--margin-out`).
"""
import argparse, sys
from pathlib import Path
import matplotlib; matplotlib.use('Agg')
import matplotlib.pyplot as plt
sys.path.insert(0, str(Path(__file__).parent))
from report import BOUND_REACHES, SHIPPED_SIM, load, saved_of, margin_runs   # the runs the README's table reads, read the same way

HERE = Path(__file__).parent
TARGET = 0.5

def panel(ax, split:str)->bool:
    "One split's curves on `ax`; False when nothing of it was measured."
    bounds = {r: d for r in BOUND_REACHES if (d := load(f'simulation_{split}_oracle_reach_{r}'))}
    if not bounds: return False
    shipped, cleaned = load(SHIPPED_SIM[split]), load(f'simulation_{split}_cleaned')
    xs = {r: (256 if r == 'all' else float(r)) for r in bounds}   # 'all' drawn at 256 px, labelled
    mirrors = list(next(iter(bounds.values()))['mirrors'])
    for k, m in enumerate(mirrors):
        c = f'C{k}'
        pts = sorted((xs[r], saved_of(d, m)) for r, d in bounds.items() if saved_of(d, m) is not None)
        ax.plot(*zip(*pts), 'o-', color=c, label=m)
        if shipped and saved_of(shipped, m) is not None: ax.axhline(saved_of(shipped, m), color=c, ls=':', lw=1.5)
        if cleaned and saved_of(cleaned, m) is not None: ax.axhline(saved_of(cleaned, m), color=c, ls='--', lw=1)
    ax.axhline(TARGET, color='k', lw=0.8)
    ax.set_xscale('log', base=2); ticks = sorted(set(xs.values()))
    ax.set_xticks(ticks, [('all' if t == 256 else f'{t:g}') for t in ticks])
    ax.set_xlabel('the oracle fixes the touched errors within … px of the stroke'); ax.set_ylabel('manual input saved')
    ax.set_ylim(0, 1); ax.set_title(f"{'validation' if split == 'valid' else 'test'} mirrors")
    from matplotlib.lines import Line2D
    styles = [Line2D([], [], color='gray', marker='o', ls='-', label='component oracle'), Line2D([], [], color='gray', ls='--', label='shipped refiner, wrong changes undone'),
              Line2D([], [], color='gray', ls=':', lw=1.5, label='shipped refiner'), Line2D([], [], color='k', lw=0.8, label='target (50 %)')]
    ax.legend(handles=ax.get_legend_handles_labels()[0] + styles, fontsize=7, loc='lower right')
    return True

def margin_panel(ax, split:str)->bool:
    "Saving against the end-state margin for every simulation of `split`; False when there are none."
    runs = margin_runs(split)
    if not runs: return False
    for k, (m, rows) in enumerate(runs.items()):
        for bound in (False, True):
            pts = [(1000*x, y) for n, x, y in rows if (('oracle_reach' in n or 'cleaned' in n) == bound)]
            if pts: ax.scatter(*zip(*pts), s=18, color=f'C{k}', facecolors='none' if bound else f'C{k}', label=None if bound else m)
    ax.axhline(TARGET, color='k', lw=0.8)
    ax.set_xlabel('final pFM, refined run − manual run (× 10⁻³)'); ax.set_ylabel('manual input saved'); ax.set_ylim(0, 1)
    ax.set_title(f"{'validation' if split == 'valid' else 'test'} mirrors: every simulation (hollow: upper bounds)", fontsize=9)
    ax.legend(fontsize=7, loc='lower right')
    return True

def save(fig, path:str)->str:
    "Write `fig` to `path` through a temporary file (nothing half-written)."
    fig.tight_layout(); out = Path(path); tmp = out.with_name(out.stem + '.tmp.png')
    try: fig.savefig(tmp, dpi=90); tmp.replace(out)
    except OSError as e:
        tmp.unlink(missing_ok=True); sys.exit(f"error: {out}: cannot write ({e.strerror or e})")
    return str(out)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=str(HERE.parent/'docs'/'upper_bounds.png'))
    ap.add_argument('--margin-out', default=str(HERE.parent/'docs'/'saving_vs_margin.png'))
    a = ap.parse_args()
    for flag, path in (('--out', a.out), ('--margin-out', a.margin_out)):   # both folders before either figure is drawn
        try: Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as e: sys.exit(f"error: {flag}: {Path(path).parent}: cannot create the folder ({e.strerror or e})")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    drawn = [panel(ax, s) for ax, s in zip(axes, ('valid', 'test'))]
    if not any(drawn): sys.exit("error: no bench/results/simulation_<split>_oracle_reach_<R>.json yet (bench/simulation.py --oracle-reach R)")
    for ax, d in zip(axes, drawn):
        if not d: ax.set_axis_off()
    print(save(fig, a.out))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    drawn = [margin_panel(ax, s) for ax, s in zip(axes, ('valid', 'test'))]
    for ax, d in zip(axes, drawn):
        if not d: ax.set_axis_off()
    print(save(fig, a.margin_out))

if __name__ == '__main__': main()
