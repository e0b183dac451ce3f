"""Simulated-annotator evaluation: speed (1000 interactions on one benchmark test mirror; incremental vs the
straightforward restitch-and-re-thin loop) and, with `--seeds N --mirrors all`, the paper's numbers on the benchmark.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/simulation.py                      # speed -> bench/results/simulation.json
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/simulation.py --seeds 10 --mirrors all --no-speed
                                                       # benchmark -> bench/results/simulation_benchmark.json + CSVs/plots in --out
    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/simulation.py --split valid --seeds 5 --mirrors classic --no-speed --name simulation_valid
                                                       # the same on validation mirrors, to select or tune a setting
    … --seeds 10 --resume --out <folder of a 5-seed run>   # only seeds 5–9 run; the 5 read back (same models and settings)

Upper bounds instead of the refiner (they read the GT; issue 15, README "What the saving target asks of a refiner"):

    … --split valid --seeds 10 --oracle-reach 16 --name simulation_valid_oracle_reach_16   # the component oracle within 16 px ('all': whole)
    … --split valid --seeds 10 --cleaned [add|erase] [--cleaned-beyond 3]                  # the refiner with its wrong changes undone
    … --split valid --seeds 10 --no-speed --trace radius=1.5                               # the traced guard with other trace_stroke settings

The results keep each mirror's saving per seed (`saving_per_seed`, in the order of `seeds`): two refiners run on the same
mirrors and seeds compare paired by run (`bench/report.py`, `seed_pairs`).

Weights: the repository's weights/base_default.pth and weights/refiner_default.pth (or --base, --refiner). If the default
files are missing, the speed run uses untrained default-preset models and the result says so (speed figures stay
meaningful, quality figures do not); the benchmark (--seeds N) and weights named on the command line must exist.
"""
import argparse, os, sys, time
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')   # torch's OpenMP threads spin otherwise (shared, loaded machine)
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, torch
from _machine import save_result, repo
from trace_variants import trace_settings
from fusing_forces.mirror import Mirror
from fusing_forces.models import build_model
from fusing_forces.base_model import BaseModel, grid_logits
from fusing_forces.refiner import Refiner, build_refiner, check_refiner, GUARDS
from fusing_forces.benchmark import benchmark_views, make_benchmark
from fusing_forces.baselines import sauvola_lines
from fusing_forces.tiles import PATCH
from fusing_forces.simulation import Simulation, IdentityRefiner, ComponentOracle, CleanedRefiner
from fusing_forces.evaluation import simulate
from fusing_forces.data import DataError
from fusing_forces.metrics import MirrorScorer

def models(base_path, refiner_path, preset):
    "Trained models if both files exist, else untrained `preset` models (flagged)."
    if Path(base_path).is_file() and Path(refiner_path).is_file():
        return BaseModel.load(base_path), Refiner.load(refiner_path), True
    torch.manual_seed(0)
    return BaseModel(build_model(preset, 1), preset), build_refiner(preset), False

class NetworkCostIdentity:
    """Stand-in refiner for the speed run without trained weights: runs the (untrained) refiner network on every call, so
    its cost is paid, but returns Y with the strokes forced (Y′ = Y^Δ). An untrained network's output would end the run
    after a few dozen interactions; this one lasts as long as a manual-only annotator's run."""
    def __init__(self, refiner): self.refiner, self.channels = refiner, refiner.channels
    def refine_batch(self, x, base_logits, strokes, **kw):
        self.refiner.refine_batch(x, base_logits, strokes, **kw)
        return IdentityRefiner().refine_batch(x, base_logits, strokes)

def standin_base_logits(g, window=31):
    "Stand-in base prediction without trained weights: Sauvola lines of the (unstandardised) depth as ±4 logits."
    return np.where(sauvola_lines(g.x[0], g.mask, window), 4.0, -4.0).astype(np.float32)

class Timed:
    "Wraps a refiner: counts calls, candidates and seconds spent in `refine_batch`."
    def __init__(self, refiner): self.refiner, self.channels, self.calls, self.candidates, self.seconds = refiner, refiner.channels, 0, 0, 0.
    def refine_batch(self, x, base_logits, strokes, **kw):
        t0 = time.perf_counter(); out = self.refiner.refine_batch(x, base_logits, strokes, **kw)
        self.seconds += time.perf_counter() - t0; self.calls += 1; self.candidates += len(x)
        return out

def timed_run(g, y, refiner, seed, max_steps, scoring, scorer):
    sim = Simulation(g, y, refiner, seed=seed, scorer=scorer, scoring=scoring)
    t0 = time.perf_counter(); table = sim.run(max_steps=max_steps, record_every=10); wall = time.perf_counter() - t0
    return sim, table, wall

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--root', default=repo('data/benchmark'), help='ETMIRA root with the benchmark (test mirrors generated if missing)')
    ap.add_argument('--mirror', default='SYN-0101_R', help='test mirror of the speed run')
    ap.add_argument('--interactions', type=int, default=1000, help='accepted interactions of the speed run')
    ap.add_argument('--short', type=int, default=150, help='accepted interactions of the incremental-vs-reference comparison')
    ap.add_argument('--base', default=repo('weights/base_default.pth')); ap.add_argument('--refiner', default=repo('weights/refiner_default.pth'))
    ap.add_argument('--preset', default='default', help='preset of the untrained stand-ins when weights are missing')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seeds', type=int, default=0, help='benchmark: runs per mirror (0: no benchmark run)')
    ap.add_argument('--mirrors', default='all', help="benchmark: 'all' mirrors of --split, a level (classic, easy, medium, hard, extreme) or comma-separated views")
    ap.add_argument('--split', default='test', choices=['test', 'valid'], help="benchmark: the split of the mirrors ('valid' to select or tune; 'test' for reported figures)")
    ap.add_argument('--max-steps', type=int, default=3000, help='benchmark: most accepted interactions per run')
    ap.add_argument('--out', default='results/simulation', help='benchmark: folder for CSVs, summary.json, plots')
    ap.add_argument('--name', default='simulation_benchmark', help='benchmark: results file name in bench/results')
    ap.add_argument('--no-speed', action='store_true', help='skip the speed measurement')
    ap.add_argument('--resume', action='store_true', help='benchmark: read back the runs already in --out (same models and settings) and run only the missing seeds')
    ap.add_argument('--storage', default=None, help='cache of preprocessed mirrors (default: fusing_forces default)')
    ap.add_argument('--guard', default=None, choices=GUARDS, help="the refine API's guard (default: the refiner's own)")
    ap.add_argument('--iterations', type=int, default=None, help="network passes per refine (default: the refiner's own)")
    ap.add_argument('--trace', default=None, metavar='NAME=VALUE,...',
                    help="the traced guard's trace_stroke settings, e.g. radius=1.5 (default: trace_stroke's own)")
    ap.add_argument('--oracle-reach', default=None, metavar='PX|all',
                    help="benchmark an upper bound instead of the refiner: the component oracle, fixing the errors each stroke touches "
                         "within PX px of it ('all': the whole touched components); reads the GT, no speed run")
    ap.add_argument('--cleaned', nargs='?', const='add,erase', default=None, metavar='KINDS',
                    help="benchmark an upper bound instead of the refiner: the refiner with every change the GT says is wrong undone "
                         "(on the strokes of KINDS: add, erase or add,erase, the default); no speed run")
    ap.add_argument('--cleaned-beyond', type=float, default=0, metavar='PX',
                    help="with --cleaned: undo only the wrong changes more than PX px from the GT (line drawn beside the GT is kept)")
    a = ap.parse_args()
    try: trace = trace_settings(filter(None, a.trace.split(','))) if a.trace else None
    except argparse.ArgumentTypeError as e: sys.exit(f"error: --trace: {e}")
    bound = None   # an upper bound that reads the GT, benchmarked instead of the refiner
    if a.oracle_reach is not None:
        try: bound = ComponentOracle(None if a.oracle_reach == 'all' else float(a.oracle_reach))
        except ValueError: sys.exit(f"error: --oracle-reach: expected a distance ≥ 0 px or 'all', got {a.oracle_reach!r}")
    if a.cleaned_beyond and a.cleaned is None: sys.exit("error: --cleaned-beyond: only with --cleaned")
    kinds = tuple(k.strip() for k in (a.cleaned or '').split(','))
    if a.cleaned is not None and (set(kinds) - {'add', 'erase'}): sys.exit(f"error: --cleaned: expected add, erase or add,erase, got {a.cleaned!r}")
    if not a.cleaned_beyond >= 0: sys.exit(f"error: --cleaned-beyond: expected a distance ≥ 0 px, got {a.cleaned_beyond:g}")
    if a.oracle_reach is not None and a.cleaned is not None: sys.exit("error: --oracle-reach and --cleaned: two different upper bounds, choose one")
    for flag, on in (('--oracle-reach', a.oracle_reach is not None), ('--cleaned', a.cleaned is not None)):
        if on and not a.seeds: sys.exit(f"error: {flag}: an upper bound for the benchmark runs: give --seeds")
        if on: a.no_speed = True   # the speed run times the network
    torch.set_num_threads(a.threads)
    load_before = os.getloadavg()
    for flag, f, default in (('--base', a.base, ap.get_default('base')), ('--refiner', a.refiner, ap.get_default('refiner'))):
        if not Path(f).is_file() and (f != default or a.seeds):   # named weights must exist; the benchmark needs trained ones
            sys.exit(f"error: {flag}: {f}: file does not exist" + (" (the benchmark's figures need trained weights)" if f == default else ""))
    try:
        base, refiner, trained = models(a.base, a.refiner, a.preset)
        check_refiner(base, refiner)
    except ValueError as e: sys.exit(f"error: {e}")   # a file that is no checkpoint, a refiner for other input channels
    if a.guard is not None: refiner.guard = a.guard
    if a.iterations is not None: refiner.iterations = a.iterations
    if trace: refiner.trace = trace
    weights = dict(trained=trained, base=a.base if trained else f"untrained '{a.preset}' preset (weights missing)",
                   refiner=a.refiner if trained else f"untrained '{a.preset}' preset (weights missing)")
    if not trained: print(f"!! weights missing ({a.base}, {a.refiner}): using UNTRAINED '{a.preset}' models — speed only")
    if a.cleaned is not None: bound = CleanedRefiner(refiner, kinds=kinds, beyond=a.cleaned_beyond)   # both checked above

    if not a.no_speed:
        try: make_benchmark(a.root, 'test', views=[a.mirror], progress=False)
        except ValueError as e: sys.exit(f"error: {e}")   # a --root that is not a folder, a --mirror not in the split
        t0 = time.perf_counter()
        g = base.grid(Mirror(a.root, a.mirror, storage=a.storage))
        t_grid = time.perf_counter() - t0; t0 = time.perf_counter()
        y = grid_logits(base, g, stride=PATCH)
        t_base = time.perf_counter() - t0; t0 = time.perf_counter()
        run_refiner = refiner
        if not trained:   # untrained nets predict ~nothing useful and the run converges in a few dozen interactions
            y, run_refiner = standin_base_logits(g), NetworkCostIdentity(refiner)
            weights['speed_run'] = ("stand-ins: base = Sauvola(31) lines of the depth as ±4 logits (base-model cost measured "
                                    "separately in setup_s), refiner = untrained default network run on every call with its "
                                    "output replaced by Y^Δ (network cost paid, run length of a manual-only annotator)")
        scorer = MirrorScorer(g.gt, g.mask)
        t_thin = time.perf_counter() - t0
        timer = Timed(run_refiner)
        sim, table, wall = timed_run(g, y, timer, 0, a.interactions, 'incremental', scorer)
        outcomes = {k: sum(o == k for *_, o in sim.log) for k in ('accepted', 'unchanged', 'manual_not_improved', 'no_stroke')}
        # one run converges (its queue empties) long before 1000 interactions on a benchmark mirror: the target's count
        # is reached with consecutive runs (seeds 0, 1, ...) on the same mirror, timed together in this process
        runs, total_i, total_s, total_steps = [], sim.interactions, wall, sim.steps
        runs.append(dict(seed=0, interactions=sim.interactions, steps=sim.steps, wall_s=round(wall, 2), converged=sim.converged))
        while total_i < a.interactions and sim.converged:
            s_k, _, w_k = timed_run(g, y, run_refiner, len(runs), a.interactions, 'incremental', scorer)
            runs.append(dict(seed=len(runs), interactions=s_k.interactions, steps=s_k.steps, wall_s=round(w_k, 2), converged=s_k.converged))
            total_i += s_k.interactions; total_s += w_k; total_steps += s_k.steps
        consecutive = dict(target_interactions=a.interactions, interactions=total_i, steps=total_steps, runs=runs,
                           wall_s=round(total_s, 2), with_setup_s=round(total_s + t_grid + t_base + t_thin, 2),
                           ms_per_interaction=round(1000*total_s/max(total_i, 1), 1))
        # the same short run both ways, in this process: identical decisions, only the records differ
        s_inc, t_inc, w_inc = timed_run(g, y, run_refiner, 1, a.short, 'incremental', scorer)
        s_ref, t_ref, w_ref = timed_run(g, y, run_refiner, 1, a.short, 'reference', scorer)
        same = bool(np.allclose(t_inc.drop(columns='seconds').to_numpy(float), t_ref.drop(columns='seconds').to_numpy(float), rtol=0, atol=1e-12))
        lat = {}
        for B in (1, 2):   # refiner latency per call: steps with both an add and an erase candidate run a batch of 2
            xb, yb, sb = np.zeros((B, len(refiner.channels), PATCH, PATCH), np.float32), np.zeros((B, PATCH, PATCH), np.float32), np.zeros((B, PATCH, PATCH), np.int8)
            ts = []
            for _ in range(12):
                t0 = time.perf_counter(); refiner.refine_batch(xb, yb, sb); ts.append(time.perf_counter() - t0)
            lat[f'batch{B}_ms_p50'] = round(1000*float(np.median(ts[2:])), 1)
        speed = dict(mirror=a.mirror, refiner_latency=lat, grid_shape=list(g.shape), tiles=len(sim.windows), tiles_with_gt=int(sum(c.gt_sum > 0 for c in sim.tile_refined)),
                     setup_s=dict(grid=round(t_grid, 2), base_prediction=round(t_base, 2), thin_gt_once=round(t_thin, 3)),
                     run=dict(max_interactions=a.interactions, interactions=sim.interactions, steps=sim.steps, converged=sim.converged,
                              outcomes=outcomes, wall_s=round(wall, 2), ms_per_step=round(1000*wall/max(sim.steps, 1), 1),
                              ms_per_interaction=round(1000*wall/max(sim.interactions, 1), 1), records=len(table),
                              refiner_calls=timer.calls, refiner_candidates=timer.candidates, refiner_s=round(timer.seconds, 2),
                              refiner_share=round(timer.seconds/wall, 3),
                              base_pfm=float(table.pfm_manual.iloc[0]), final_pfm_manual=float(table.pfm_manual.iloc[-1]),
                              final_pfm_refined=float(table.pfm_refined.iloc[-1])),
                     consecutive_runs=consecutive,
                     versus_reference=dict(interactions=s_inc.interactions, steps=s_inc.steps, records=len(t_inc),
                                           incremental_s=round(w_inc, 2), reference_s=round(w_ref, 2),
                                           ratio=round(w_ref/w_inc, 2), identical_records=same,
                                           reference_ms_per_record=round(1000*(w_ref - w_inc)/max(len(t_ref), 1), 1),
                                           note='reference = restitch the whole mirror and score Y^Δ and Y′ with a pFM that re-thins the GT at every record (the authors\' approach); per-step tile scoring is the same in both'))
        print(f"{a.mirror} grid {g.shape}: {sim.interactions} interactions / {sim.steps} steps in {wall:.1f} s "
              f"({speed['run']['ms_per_step']} ms/step), converged={sim.converged}, outcomes {outcomes}")
        print(f"{total_i} interactions in {len(runs)} consecutive runs (seeds 0-{len(runs)-1}) on {a.mirror}: {total_s:.1f} s "
              f"({consecutive['ms_per_interaction']} ms/interaction), {consecutive['with_setup_s']} s with the setup (grid, base prediction, GT thinning)")
        print(f"short run ({s_inc.interactions} interactions, {len(t_inc)} records): incremental {w_inc:.1f} s, "
              f"reference {w_ref:.1f} s, ratio {w_ref/w_inc:.2f}x, identical records: {same}")
        save_result('simulation', dict(weights=weights, speed=speed, threads=a.threads, omp_wait_policy=os.environ.get('OMP_WAIT_POLICY'),
                                       load_avg_before=[round(x, 2) for x in load_before], load_avg_after=[round(x, 2) for x in os.getloadavg()]))

    if a.seeds:
        if not trained: print("!! benchmark numbers with untrained models mean nothing; run again with trained weights")
        levels = ('classic', 'easy', 'medium', 'hard', 'extreme')
        views = ([v.view for v in benchmark_views(a.split, None if a.mirrors == 'all' else a.mirrors)] if a.mirrors in ('all',) + levels
                 else [v.strip() for v in a.mirrors.split(',')])
        known = {v.view for v in benchmark_views(a.split)}
        if set(views) - known: sys.exit(f"error: --mirrors: {', '.join(sorted(set(views) - known))} not in the {a.split} split (its mirrors: {', '.join(sorted(known))})")
        try: make_benchmark(a.root, a.split, views=views, progress=False)
        except ValueError as e: sys.exit(f"error: {e}")   # a --root that is not a folder, a --mirror not in the split
        t0 = time.perf_counter()
        try: _, summary = simulate(a.root, views, base, bound or refiner, seeds=range(a.seeds), max_steps=a.max_steps, out=a.out, storage=a.storage, resume=a.resume)
        except DataError as e: sys.exit(f"error: {e}")   # e.g. --resume into a folder of runs with other models or settings
        wall = time.perf_counter() - t0
        table = {v: {k: s[k] for k in ('seeds', 'peak_gain', 'peak_at_fraction', 'min_gain_after_5pct', 'manual_input_saved', 'saving_per_seed',
                                        'saving_undefined_runs', 'interactions', 'converged_runs', 'base_pfm',
                                        'gain_ceiling_at_start', 'ceiling_at_peak',
                                        'final_pfm_manual', 'final_pfm_refined')} for v, s in summary.items()}
        for v, s in table.items():
            sv = s['manual_input_saved']['mean']
            print(f"{v}: peak {100*(s['peak_gain'] or 0):+.1f} %, min after 5 % {100*(s['min_gain_after_5pct'] or 0):+.1f} %, "
                  f"saving {'n/a' if sv is None else f'{100*sv:.1f} %'}, interactions {s['interactions']['mean']:.0f} ± {s['interactions']['std']:.0f}")
        save_result(a.name, dict(weights=weights, split=a.split, seeds=a.seeds, max_steps=a.max_steps, mirrors=table, out=a.out,
                                 refine=(dict(upper_bound=repr(bound)) if bound else
                                         dict(guard=getattr(refiner, 'guard', None), iterations=getattr(refiner, 'iterations', None), **({'trace': trace} if trace else {}))),
                                                 wall_s=round(wall, 1), threads=a.threads,
                                                 load_avg_before=[round(x, 2) for x in load_before], load_avg_after=[round(x, 2) for x in os.getloadavg()]))

if __name__ == '__main__': main()
