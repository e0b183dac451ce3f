#!/usr/bin/env python3
"""Execute notebooks in place and keep their small, useful outputs, so that figures show where the notebooks are read.

    PYTHONPATH=$PWD .venv/bin/python tools/execute_notebooks.py nbs/index.ipynb nbs/06_base_model.ipynb

Each notebook runs as `nbdev_test` runs it: in its own process, with execnb's `CaptureShell`, from the notebook's
folder, `IN_TEST=1`, skipping the cells `nbdev_test` skips (a flag of `tst_flags` in settings.ini such as
`#| train` or `#| slow`, `#| eval: false`, `nbdev_export(` calls). Figures are drawn at `DPI` dots per inch as PNG.
What is kept of the outputs:

- images as PNG, re-encoded with a palette of at most 256 colours where that is smaller (matplotlib's figures of
  masks, grey images and plots lose nothing visible), each at most `MAX_IMAGE` bytes (a larger one is dropped with
  a warning naming the cell);
- text results and printed text, each cut to `MAX_TEXT` characters; pandas tables also as their HTML;
- nothing else: no stderr (warnings, logging), no progress bars (fastprogress HTML or console lines), no widget
  state, no text that holds a memory address (`<... at 0x7f...>`, different on every run); temporary folders
  (`/tmp/tmpab12cd34/...`) are printed as `/tmp/…/...`, so that a second run changes nothing there.

A cell that raises stops its notebook with one line naming the notebook, the cell and the error; that notebook is
left as it was. Finally `nbdev_clean` runs on the written notebooks (a second clean changes nothing).
"""
import argparse, base64, io, json, os, re, subprocess, sys, tempfile, time
from pathlib import Path

DPI = 70                 # dots per inch of inline figures
MAX_IMAGE = 150_000      # bytes of one PNG
MAX_TEXT = 2_000         # characters of one text output
MAX_TABLE_HTML = 20_000  # characters of a pandas table's HTML
REPO = Path(__file__).resolve().parent.parent

_address = re.compile(r' at 0x[0-9a-fA-F]+>')
_tempdir = re.compile(re.escape(tempfile.gettempdir()) + r'/tmp[\w-]+')
_console_bar = re.compile(r'█?\s*\|[█-]*\|\s*\d+(\.\d+)?% \[\d+/\d+[^\]]*\]')   # "|███---| 50.00% [5/10 00:01<00:01]"

def _cut(text:str, limit:int=MAX_TEXT)->str:
    return text if len(text) <= limit else text[:limit].rstrip() + f'\n… ({len(text) - limit} more characters cut)\n'

def palette_png(png:bytes)->bytes:
    "`png` re-encoded with an adaptive palette of ≤ 256 colours (no dithering), if that is smaller."
    from PIL import Image
    im = Image.open(io.BytesIO(png)); im.load()
    if im.mode == 'RGBA' and im.getextrema()[-1][0] == 255: im = im.convert('RGB')   # opaque: no alpha needed
    q = im.quantize(256, method=Image.Quantize.FASTOCTREE if im.mode == 'RGBA' else Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO(); q.save(out, 'PNG', optimize=True)
    return out.getvalue() if len(out.getvalue()) < len(png) else png

def _stdout(text:str)->str:
    "Printed text without progress bars: each line as it ends up on a terminal (after its last carriage return), bars cut out."
    out = []
    for line in text.split('\n'):
        last = line.rsplit('\r', 1)[-1]; kept = _console_bar.sub('', last)
        if kept.strip() or not ('\r' in line or kept != last): out.append(_tempdir.sub(tempfile.gettempdir() + '/…', kept))
    return '\n'.join(out)

def keep_outputs(outputs:list, where:str)->list:
    "The outputs worth keeping (see the module docstring); `where` names the cell in warnings."
    kept = []
    for o in outputs:
        kind = o['output_type']
        if kind == 'stream':
            if o['name'] != 'stdout': continue
            text = _stdout(''.join(o['text']))
            if text.strip() and not _address.search(text): kept.append(dict(name='stdout', output_type='stream', text=_cut(text).splitlines(True)))
        elif kind in ('display_data', 'execute_result'):
            data, out = o['data'], {}
            if 'image/png' in data:
                png = palette_png(base64.b64decode(''.join(data['image/png'])))
                if len(png) > MAX_IMAGE: print(f"warning: {where}: a {len(png)/1000:.0f} KB image dropped (limit {MAX_IMAGE/1000:.0f} KB): draw it smaller", file=sys.stderr)
                else: out['image/png'] = base64.b64encode(png).decode() + '\n'
            html = ''.join(data.get('text/html', []))
            if 'class="dataframe"' in html and len(html) <= MAX_TABLE_HTML: out['text/html'] = html.splitlines(True)
            plain = _tempdir.sub(tempfile.gettempdir() + '/…', ''.join(data.get('text/plain', [])))
            if out.get('image/png') is None and 'image/png' in data: plain = ''   # '<Figure size …>' without its figure
            if plain and not _address.search(plain) and 'image/png' not in out: out['text/plain'] = _cut(plain).splitlines(True)
            if not out: continue
            o2 = dict(data=out, metadata={}, output_type=kind)
            if kind == 'execute_result': o2['execution_count'] = None
            kept.append(o2)
    return kept

def run_one(path:Path)->dict:
    "Execute one notebook (in this process) and write it with the kept outputs; SystemExit with one line if a cell raises."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.basics import AttrDict
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    from nbdev.process import extract_directives
    cfg = get_config()
    skip = set(cfg.tst_flags.split())
    sys.path.insert(0, str(cfg.config_path)); os.environ['IN_TEST'] = '1'
    nb = read_nb(path)
    shell = CaptureShell(path, mpl_format='png')
    shell.run(f"import matplotlib; matplotlib.rcParams.update({{'figure.dpi': {DPI}, 'savefig.dpi': {DPI}}})")
    counts = dict(run=0, skipped=0, images=0)
    with working_directory(path.parent):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != 'code': continue
            direc = extract_directives(AttrDict(source=cell.source), remove=False) or {}
            if ('nbdev_export' + '(' in cell.source or direc.get('eval:', [''])[0].lower() == 'false' or skip & direc.keys()):
                cell.outputs, cell.execution_count = [], None; counts['skipped'] += 1; continue
            outs = shell.run(cell.source)
            if shell.exc is not None:
                first = next((l for l in cell.source.splitlines() if l.strip() and not l.startswith('#|')), '').strip()
                msg = str(shell.exc).strip().splitlines()[0] if str(shell.exc).strip() else ''
                raise SystemExit(f"execute_notebooks: {path}: cell {i} ({first[:60]!r}) raised {type(shell.exc).__name__}: {msg}")
            cell.outputs = keep_outputs(outs, f"{path.name} cell {i}")
            cell.execution_count = None
            counts['run'] += 1; counts['images'] += sum('image/png' in o.get('data', {}) for o in cell.outputs)
    write_nb(nb, path)
    return counts

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('notebooks', nargs='+', help='notebooks to execute in place')
    p.add_argument('--single', action='store_true', help=argparse.SUPPRESS)   # the per-notebook child process
    a = p.parse_args()
    paths = [Path(n).resolve() for n in a.notebooks]
    for n, q in zip(a.notebooks, paths):
        if not (q.is_file() and q.suffix == '.ipynb'): sys.exit(f"execute_notebooks: {n}: not a notebook file")
    os.chdir(REPO)
    if a.single:
        counts = run_one(paths[0]); print(json.dumps(counts)); return
    failed = []
    for n, q in zip(a.notebooks, paths):
        before, t = q.stat().st_size, time.time()
        r = subprocess.run([sys.executable, __file__, '--single', str(q)], capture_output=True, text=True)
        for line in r.stderr.splitlines():
            if line.startswith('warning:') or line.startswith('execute_notebooks:'): print(line, file=sys.stderr)
        if r.returncode != 0:
            if not any(l.startswith('execute_notebooks:') for l in r.stderr.splitlines()):
                print(f"execute_notebooks: {n}: failed ({(r.stderr.strip().splitlines() or ['no message'])[-1]})", file=sys.stderr)
            failed.append(n); continue
        from nbdev.clean import nbdev_clean
        nbdev_clean(fname=str(q))
        c = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"{n}: {c['run']} cells run, {c['skipped']} skipped, {c['images']} images; "
              f"{before/1000:.1f} KB → {q.stat().st_size/1000:.1f} KB ({time.time() - t:.0f} s)")
    if failed: sys.exit(1)

if __name__ == '__main__': main()
