#!/usr/bin/env bash
# Issue 16 acceptance: build a wheel, install it (not editable) into a fresh virtualenv, and run ff_predict,
# ff_simulate and ff_demo from a directory outside the repository on a folder of quirky scans (uint16 albedo,
# un-normalised float32 normals, float64 depth with NaN outside the mirror, a view without GT and mask).
#
#     bash bench/wheel_check.sh            # PY: a Python that has the dependencies (default: the shared venv's)
#
# The fresh venv reuses the dependencies of $PY's venv (torch, fastai, ...) through a .pth line, so nothing is
# downloaded; `python -m venv --system-site-packages` would expose the base interpreter's packages instead, and the
# shared venv's editable fusing_forces is not visible either (.pth files of an added directory are not processed).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-/work/main/.venv/bin/python}
VENV=${VENV:-/tmp/wheelvenv}
WORK=$(mktemp -d /tmp/ff_wheel_check.XXXXXX)
unset PYTHONPATH FF_WEIGHTS FF_STORAGE
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

echo "== build the wheel from the tracked files of $REPO"
mkdir -p "$WORK/src"
(cd "$REPO" && git ls-files -z | tar --null -T - -cf -) | (cd "$WORK/src" && tar xf -)
(cd "$WORK/src" && "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$WORK/dist" . 2>/dev/null)
ls -l "$WORK"/dist/*.whl

echo "== fresh venv $VENV with the wheel (not editable)"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/shared_deps.pth"
"$VENV/bin/python" -m pip install -q --no-deps "$WORK"/dist/fusing_forces-*.whl

echo "== from $WORK/elsewhere (outside the repository)"
mkdir -p "$WORK/elsewhere"; cd "$WORK/elsewhere"
"$VENV/bin/python" -c '
import fusing_forces, fusing_forces.checkpoints as d, sys
print("fusing_forces:", fusing_forces.__file__); print("weights:", d.weights_dir(), sorted(d.read_sums(d.weights_dir())))
assert fusing_forces.__file__.startswith(sys.prefix), "not the installed wheel"
for n in d.read_sums(d.weights_dir()): d.shipped_weights(n)   # every shipped file present, checksum verified
'
"$VENV/bin/python" "$REPO/bench/quirky_scans.py" scans

run() { echo "\$ $*"; local t0=$(date +%s.%N); "$@"; echo "(exit $?, $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s)"; }
run "$VENV/bin/ff_predict" scans all --out predictions --storage cache
run "$VENV/bin/ff_simulate" --root scans --mirrors annotated --seeds 2 --max_steps 40 --out simulation --storage cache
run "$VENV/bin/ff_demo" --root scans --view QUIRK-0001_R --out demo --strokes 20
run "$VENV/bin/ff_demo" --root scans --view QUIRK-0002_R --out demo_bare
echo "== outputs"
find predictions simulation demo demo_bare -maxdepth 1 -type f | sort
echo "wheel check passed ($WORK)"
