#!/usr/bin/env python3
"""Round-trip notebooks and plain-text "percent" files, for editing notebooks from a terminal.

    python tools/nbpct.py to-pct nbs/00_data.ipynb  /tmp/00_data.py   # notebook -> text
    python tools/nbpct.py to-nb  /tmp/00_data.py    nbs/00_data.ipynb # text -> notebook

Cells are separated by a line `# %%` (code) or `# %% [markdown]` (markdown; each line of the
markdown cell is prefixed by `# ` in the text file). The notebook stays the source of truth:
convert, edit, convert back, then `nbdev_export` and `nbdev_clean`. Outputs are dropped.
"""
import sys, json, hashlib
from pathlib import Path

def nb_to_pct(nb_path, out_path):
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            body = '\n'.join(('# ' + l) if l else '#' for l in src.split('\n'))
            parts.append('# %% [markdown]\n' + body)
        else:
            parts.append('# %%\n' + src)
    Path(out_path).write_text('\n\n'.join(parts) + '\n', encoding='utf-8')

def pct_to_nb(pct_path, nb_path):
    text = Path(pct_path).read_text(encoding='utf-8')
    cells, cur, kind = [], None, None
    def flush():
        if cur is None: return
        lines = list(cur)
        while lines and not lines[-1].strip(): lines.pop()
        while lines and not lines[0].strip(): lines.pop(0)
        if kind == 'markdown':
            lines = [l[2:] if l.startswith('# ') else ('' if l.strip() == '#' else l) for l in lines]
        src = '\n'.join(lines)
        cid = hashlib.sha1(f'{len(cells)}:{src}'.encode()).hexdigest()[:8]  # stable ids keep exports stable
        cell = {'cell_type': kind, 'id': cid, 'metadata': {}, 'source': src.splitlines(keepends=True)}
        if kind == 'code': cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    for line in text.split('\n'):
        if line.startswith('# %%'):
            flush()
            kind = 'markdown' if '[markdown]' in line else 'code'
            cur = []
        elif cur is not None: cur.append(line)
    flush()
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    Path(nb_path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')

if __name__ == '__main__':
    cmd, src, dst = sys.argv[1:4]
    {'to-pct': nb_to_pct, 'to-nb': pct_to_nb}[cmd](src, dst)
