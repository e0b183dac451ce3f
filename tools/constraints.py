#!/usr/bin/env python3
"""Write constraints.txt: the exact versions, in the running environment, of everything the project needs.

    .venv/bin/python tools/constraints.py > constraints.txt

It walks the requirements of settings.ini (`requirements` and `dev_requirements`) through the installed packages'
own requirements (markers evaluated, extras followed where a requirement asks for them) and pins each package of
that closure at its installed version. Packages installed for other reasons are left out. Install with
`pip install -c constraints.txt -e ".[dev]"` (the README's lines and `.ci/run` do).
"""
import shlex, sys
from configparser import ConfigParser
from importlib import metadata
from pathlib import Path
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

def closure(reqs):
    "name → installed version of every package `reqs` need, transitively."
    seen, todo = {}, [(Requirement(r), ()) for r in reqs]
    while todo:
        req, extras = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({'extra': e}) for e in (extras or ('',))): continue
        name = canonicalize_name(req.name)
        try: dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError: sys.exit(f"error: {req.name} is required but not installed")
        new_extras = set(req.extras) - set(seen.get(name, (None, set()))[1])
        if name in seen and not new_extras: continue
        seen[name] = (dist.version, set(seen.get(name, (None, set()))[1]) | set(req.extras))
        for r in dist.requires or []: todo.append((Requirement(r), tuple(req.extras)))
    return {n: v for n, (v, _) in seen.items()}

def main():
    cfg = ConfigParser(delimiters=['=']); cfg.read(Path(__file__).parent.parent/'settings.ini', encoding='utf-8')
    reqs = shlex.split(cfg['DEFAULT'].get('requirements', '')) + shlex.split(cfg['DEFAULT'].get('dev_requirements', ''))
    pins = closure(reqs)
    print("# Tested versions of everything fusing_forces needs (Python 3.11, x86_64, CPU), from tools/constraints.py.")
    print('# Install: pip install -c constraints.txt -e ".[dev]"')
    for n in sorted(pins): print(f"{n}=={pins[n]}")

if __name__ == '__main__': main()
