"""Shared by the benchmark scripts: what machine a figure was measured on, and where results go."""
import json, os, platform, subprocess, time
from pathlib import Path
from fusing_forces.data import write_text

RESULTS = Path(__file__).parent / 'results'
REPO = Path(__file__).resolve().parent.parent   # the repository: default benchmark, cache and weights, from any working directory

def repo(rel:str)->str: "A path inside the repository, absolute (a default that does not depend on the working directory)."; return str(REPO / rel)

def shown(x):
    "`x` with every string that is a path inside the repository made relative to it (results files name repository files alike on every machine)."
    if isinstance(x, dict): return {k: shown(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)): return type(x)(shown(v) for v in x)
    if isinstance(x, str) and x.startswith(str(REPO) + os.sep): return x[len(str(REPO)) + 1:]
    return x

def machine_info():
    "CPU model, cores, torch threads and GPU (if any) of the machine running the benchmark."
    cpu = platform.processor()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): cpu = line.split(':', 1)[1].strip(); break
    except OSError: pass
    info = dict(cpu=cpu, cores=os.cpu_count(), python=platform.python_version(), platform=platform.platform())
    try:
        import torch
        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads(),
                    gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except ImportError: pass
    return info

def require_weights(path, role:str, what:str):
    "Exit with one line naming `what` (an option) unless `path` is a readable checkpoint of a trained `role` ('base' or 'refiner') model; checked without torch."
    import sys
    from fusing_forces.commands import check_weights
    try: check_weights(path, role, None)
    except ValueError as e: sys.exit(f"error: {what}: {e}" if what else f"error: {e}")

def save_result(name, result):
    "Write `result` (a dict) with the machine and a timestamp to `bench/results/{name}.json`; return the path."
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = dict(shown(result), machine=machine_info(), measured_at=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
    return write_text(RESULTS / f'{name}.json', json.dumps(out, indent=1, default=float) + '\n')

def add_to_result(name, key:str, value):
    "Set `key` of the existing `bench/results/{name}.json` to `value`, keeping the rest (written atomically); return the path."
    path = RESULTS / f'{name}.json'; d = json.loads(path.read_text()); d[key] = shown(value)
    return write_text(path, json.dumps(d, indent=1, default=float) + '\n')
