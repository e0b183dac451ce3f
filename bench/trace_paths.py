"""Where does the `traced` guard draw wrong line? Every traced end of every add stroke, its path against the GT (issue 15).

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/trace_paths.py [--split valid] [--trace max_turn=30,turn_cost=2] [--name trace_paths_valid]
        [--figure docs/trace_paths.png]

On the fixed stroke draws of the split's tiles (default: the validation mirrors), the shipped refiner's network output
is traced from the free ends of each add stroke by `trace_stroke` (its settings, or those given), which hands back
each kept path (`paths=`). A step is off the GT when it lies more than 2 px from a GT pixel. Per path: all on the GT,
on and then leaving, leaving and coming back, off from the first step, off and then finding a line. For the paths
that leave, where they leave: within 6 px of a GT line's end, of a GT junction, of the crop border, or mid-line; the
angle between the trace's heading there and the GT 6–10 px ahead (a straight trace past a bend turns away from the GT
by that much); how far the off steps run from the GT. Then the step logits on and off the GT and the depth's contrast
across the path (mean of the standardised depth 3 px either side minus the centre): could either tell a step that
leaves the line? With `--trace bridge=R`, also the ends that `bridge` joins to a line end: that path against the plain
trace from the same end (path length on and off the GT). Percentiles are p10 / p25 / median / p75 / p90. Writes
bench/results/<name>.json.
"""
import argparse, sys
from pathlib import Path
import numpy as np
from scipy import ndimage
sys.path.insert(0, str(Path(__file__).parent))
from _machine import save_result
from guard_variants import case_args, load_cases
from trace_variants import trace_settings
from fusing_forces.refiner import trace_stroke
from fusing_forces.lines import line_skeleton

OFF_PX, NEAR_PX, BATCH = 2.0, 6.0, 32
pct = lambda a: [round(float(x), 3) for x in np.nanpercentile(np.asarray(a, float), [10, 25, 50, 75, 90])] if len(a) else None

def path_kind(off:np.ndarray)->str:
    "The path's course against the GT from its off flags (the end point first, not counted)."
    o = off[1:]
    if not o.any(): return 'all on the GT'
    if o.all(): return 'off from the first step'
    if not o[0]: return 'on, then leaves' if o[-1] else 'on, off, back on'
    return 'off, then finds a line'

def gt_nodes(sk:np.ndarray)->tuple:
    "Distance maps (px) to the line ends and to the junctions of a GT skeleton (inf everywhere when it has none), once per tile."
    nb = ndimage.convolve(sk.astype(int), np.ones((3, 3), int), mode='constant') - 1
    dist = lambda m: ndimage.distance_transform_edt(~m) if m.any() else np.full(sk.shape, np.inf)
    return dist(sk & (nb == 1)), dist(sk & (nb >= 3))

def leave_point(sk:np.ndarray, nodes:tuple, q:np.ndarray, heading:np.ndarray)->tuple:
    "Where a path leaves the GT (skeleton `sk`, `gt_nodes(sk)`) at its last on-GT point `q` (row, col) heading along `heading`: (kind, angle in degrees to the GT 6–10 px ahead or None)."
    r, c = np.clip(np.round(q).astype(int), 0, np.array(sk.shape) - 1); border = min(r, c, sk.shape[0] - 1 - r, sk.shape[1] - 1 - c)
    kind = ('crop border' if border <= NEAR_PX else 'GT line end' if nodes[0][r, c] <= NEAR_PX
            else 'GT junction' if nodes[1][r, c] <= NEAR_PX else 'mid-line')
    pts = np.argwhere(sk); d = np.linalg.norm(pts - q, axis=1); ring = pts[(d >= 6) & (d <= 10)]
    if not len(ring): return kind, None
    u = (ring - q) / np.linalg.norm(ring - q, axis=1)[:, None]
    return kind, float(np.degrees(np.arccos(np.clip((u @ heading).max(), -1, 1))))

def contrast(depth:np.ndarray, pts:np.ndarray, half:float=3.0)->np.ndarray:
    "Per step of a path: mean depth `half` px either side across the path minus the depth at its centre."
    dv = np.diff(pts, axis=0); dv /= np.linalg.norm(dv, axis=1)[:, None]; n = np.stack([-dv[:, 1], dv[:, 0]], 1)*half
    centre, left, right = (ndimage.map_coordinates(depth, q.T, order=1, mode='nearest') for q in (pts[1:], pts[1:] + n, pts[1:] - n))
    return (left + right)/2 - centre

def plot_paths(items, path:str)->str:
    "Each (off steps, case, path points, off flags) on its tile: depth (grey), GT (cyan), the add stroke (blue), the path's steps on the GT (green) and off it (red)."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, len(items), figsize=(3.2*len(items), 3.4))
    for ax, (n, c, pts, off) in zip(np.atleast_1d(axs), items):
        ax.imshow(c.x[0], cmap='gray'); ax.imshow(np.ma.masked_where(~c.gt.astype(bool), c.gt), cmap='cool', alpha=0.55, vmin=0, vmax=1)
        ax.imshow(np.ma.masked_where(c.stroke <= 0, c.stroke), cmap='winter', alpha=0.9)
        ax.plot(pts[:, 1], pts[:, 0], '-', color='yellow', lw=0.8)
        ax.scatter(pts[~off, 1], pts[~off, 0], s=9, c='lime'); ax.scatter(pts[off, 1], pts[off, 0], s=9, c='red')
        ax.set_title(f"tile {c.tile}: {n} steps off", fontsize=8); ax.axis('off')
    fig.suptitle('traced paths that leave the GT mid-line (green: on the GT, red: > 2 px off)', fontsize=9); fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True); fig.savefig(path, dpi=60); plt.close(fig)
    return path

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    case_args(p)
    p.add_argument('--trace', type=lambda s: trace_settings(filter(None, s.split(','))), default={}, help="`trace_stroke` settings, 'name=value,...' (default: its own)")
    p.add_argument('--name', default=None)
    p.add_argument('--figure', default=None, help='PNG of the four paths that leave the GT mid-line with the most off steps')
    a = p.parse_args()
    if a.figure and not a.figure.endswith('.png'): p.error(f"--figure: {a.figure}: expected a .png path")
    views, ref, cases = load_cases(a)
    adds = [c for c in cases if c.stroke.max() > 0 and c.stroke.min() >= 0]
    shown, kinds, leaves, joins, logits, con = [], {}, {}, {}, {'on': [], 'off': [], 'first off minus the mean before': []}, {'on': [], 'off': []}
    for i in range(0, len(adds), BATCH):
        batch = adds[i:i + BATCH]
        net = ref.network(np.stack([c.x for c in batch]), np.stack([c.y for c in batch]), np.stack([c.stroke for c in batch]))
        for c, o in zip(batch, net):
            found = []; trace_stroke(o, c.y, c.stroke, paths=found, **a.trace)
            gt = c.gt.astype(bool); dgt = ndimage.distance_transform_edt(~gt); depth = c.x[0].astype(np.float32); sk = None
            if a.trace.get('bridge'):   # the same ends traced without `bridge`: where a path differs, that end was joined to a line end
                plain = []; trace_stroke(o, c.y, c.stroke, paths=plain, **{k: v for k, v in a.trace.items() if not k.startswith('bridge')})
                for (pb, _), (pt, _) in zip(found, plain):
                    if len(pb) == len(pt) and np.allclose(pb, pt): continue
                    for key, q in (('joined', pb), ('traced instead', pt)):
                        ij = np.clip(np.round(q).astype(int), 0, np.array(gt.shape) - 1); off = dgt[ij[:, 0], ij[:, 1]] > OFF_PX
                        seg = np.linalg.norm(np.diff(q, axis=0), axis=1) if len(q) > 1 else np.zeros(0)
                        J = joins.setdefault(key, dict(ends=0, on_px=0.0, off_px=0.0, all_on=0))
                        J['ends'] += 1; J['on_px'] += float(seg[~off[1:]].sum()); J['off_px'] += float(seg[off[1:]].sum()); J['all_on'] += int(not off[1:].any())
            for pts, v in found:
                if len(pts) < 2: continue
                ij = np.clip(np.round(pts).astype(int), 0, np.array(gt.shape) - 1)
                off = dgt[ij[:, 0], ij[:, 1]] > OFF_PX; k = path_kind(off)
                e = kinds.setdefault(k, dict(ends=0, steps=0, off_steps=0)); e['ends'] += 1; e['steps'] += len(pts) - 1; e['off_steps'] += int(off[1:].sum())
                cv = contrast(depth, pts)
                for s_off, val, cc in zip(off[1:], v, cv): logits['off' if s_off else 'on'].append(float(val)); con['off' if s_off else 'on'].append(float(cc))
                if k == 'on, then leaves':
                    f = int(np.argmax(off[1:])) + 1
                    logits['first off minus the mean before'].append(float(v[f - 1] - v[:f - 1].mean()))   # f ≥ 2: the first step is on the GT
                    if sk is None: sk = line_skeleton(gt); nodes = gt_nodes(sk)   # once per tile
                    where, angle = leave_point(sk, nodes, pts[f - 1], (pts[f] - pts[f - 1]) / np.linalg.norm(pts[f] - pts[f - 1]))
                    L = leaves.setdefault(where, dict(ends=0, off_steps=0, angles=[], off_distance=[]))
                    L['ends'] += 1; L['off_steps'] += int(off[f:].sum()); L['off_distance'] += dgt[ij[f:, 0], ij[f:, 1]][off[f:]].tolist()
                    if angle is not None: L['angles'].append(angle)
                    if where == 'mid-line': shown.append((int(off[f:].sum()), c, pts, off))
    tot = sum(e['off_steps'] for e in kinds.values())
    print(f"{len(adds)} add strokes; {sum(e['ends'] for e in kinds.values())} traced ends; {sum(e['steps'] for e in kinds.values())} steps, {tot} off the GT (> {OFF_PX:g} px)")
    for k, e in sorted(kinds.items(), key=lambda kv: -kv[1]['off_steps']):
        print(f"  {k:24s} ends {e['ends']:5d}  steps {e['steps']:5d}  off-GT steps {e['off_steps']:5d} ({100*e['off_steps']/max(tot, 1):.0f} % of all)")
    lt = sum(L['off_steps'] for L in leaves.values())
    print(f"where the paths that leave the GT leave it (within {NEAR_PX:g} px of …); angle to the GT ahead (deg) and distance of the off steps to the GT (px), p10/p25/median/p75/p90:")
    for k, L in sorted(leaves.items(), key=lambda kv: -kv[1]['off_steps']):
        print(f"  {k:12s} ends {L['ends']:4d}  off steps {L['off_steps']:5d} ({100*L['off_steps']/max(lt, 1):.0f} %)  angle {pct(L['angles'])}  distance {pct(L['off_distance'])}")
    for k, J in joins.items():
        print(f"  ends joined to a line end by `bridge`, {k:15s}: {J['ends']} ends, {J['all_on']} all on the GT; path length on / off the GT {J['on_px']:.0f} / {J['off_px']:.0f} px")
    print("step logits:", '; '.join(f"{k} {pct(v)}" for k, v in logits.items()))
    print("depth contrast across the path:", '; '.join(f"{k} the GT {pct(v)}" for k, v in con.items()))
    rep = dict(split=a.split, views=views, trace=a.trace, n_add_strokes=len(adds), off_px=OFF_PX, near_px=NEAR_PX, paths=kinds,
               leaves={k: dict(ends=L['ends'], off_steps=L['off_steps'], angle=pct(L['angles']), off_distance=pct(L['off_distance'])) for k, L in leaves.items()},
               step_logits={k: dict(n=len(v), pct=pct(v)) for k, v in logits.items()}, depth_contrast={k: dict(n=len(v), pct=pct(v)) for k, v in con.items()},
               **({'joins': {k: {n: round(v, 1) for n, v in J.items()} for k, J in joins.items()}} if a.trace.get('bridge') else {}))
    if a.figure and shown:
        rep['figure'] = plot_paths(sorted(shown, key=lambda t: -t[0])[:4], a.figure)
        print('figure', rep['figure'])
    print('saved', save_result(a.name or f'trace_paths_{a.split}', rep))

if __name__ == '__main__': main()
