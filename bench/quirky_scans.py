"""Write a small ETMIRA folder in the formats real photometric-stereo pipelines produce (issue 16).

    python bench/quirky_scans.py DEST [--size 640]

From the project's generator (`fusing_forces.synthetic.make_mirror`, small sizes), written with plain tifffile/PIL
calls rather than the library's writers:

- QUIRK-0001_R: float64 height map U with NaN outside the mirror, uint16 albedo, un-normalised float32 normals
  (interleaved, length 0.5-3, DPI stored there), GT drawing (RGBA, lines in alpha) and mask.
- QUIRK-0002_R: the same quirks, the normals planar (3, H, W) and without DPI (the DPI is in U), and no GT and no mask.
"""
import argparse
from pathlib import Path
import numpy as np
import tifffile
from PIL import Image
from fusing_forces.synthetic import make_mirror, DEFAULT_DPI

def write(dest:Path, view:str, seed:int, size:int, planar:bool, annotated:bool):
    m = make_mirror(seed, size, size)
    obj = view.rsplit('_', 1)[0]
    ps = dest/obj/'PS'; ps.mkdir(parents=True, exist_ok=True)
    res = dict(resolution=(DEFAULT_DPI, DEFAULT_DPI), resolutionunit='INCH')
    height = m['height'].astype(np.float64); height[~m['mask']] = np.nan                    # NaN outside the mirror
    tifffile.imwrite(ps/f'{view}_U.tif', height, **(res if planar else {}))
    tifffile.imwrite(ps/f'{view}_RHO.tif', (np.clip(m['albedo'], 0, 1)*65535).astype(np.uint16))   # 16-bit integer albedo
    scale = np.random.default_rng(seed).uniform(0.5, 3.0, (size, size, 1)).astype(np.float32)
    normals = (m['normals']*scale).astype(np.float32)                                        # not unit length
    if planar: tifffile.imwrite(ps/f'{view}_N.tif', np.moveaxis(normals, -1, 0), planarconfig='separate', photometric='rgb')
    else: tifffile.imwrite(ps/f'{view}_N.tif', normals, photometric='rgb', **res)
    if annotated:
        (dest/'GT_REL').mkdir(exist_ok=True); (dest/'MASKS_REL').mkdir(exist_ok=True)
        rgba = np.zeros((size, size, 4), np.uint8); rgba[..., 3] = np.where(m['gt'], 255, 0)
        Image.fromarray(rgba, 'RGBA').save(dest/'GT_REL'/f'{view}_drawings.png')
        rgb = np.zeros((size, size, 3), np.uint8); rgb[..., 0] = np.where(m['mask'], 255, 0)
        Image.fromarray(rgb, 'RGB').save(dest/'MASKS_REL'/f'{view}_mask.png')

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('dest'); p.add_argument('--size', type=int, default=640)
    a = p.parse_args()
    dest = Path(a.dest); dest.mkdir(parents=True, exist_ok=True)
    write(dest, 'QUIRK-0001_R', 7, a.size, planar=False, annotated=True)
    write(dest, 'QUIRK-0002_R', 8, a.size, planar=True, annotated=False)
    for f in sorted(dest.rglob('*.*')):
        if f.suffix == '.tif':
            with tifffile.TiffFile(f) as tf: desc = f"{tf.series[0].dtype} {tf.series[0].shape}"
        else:
            with Image.open(f) as im: desc = f"{im.mode} {im.size}"
        print(f"{f.relative_to(dest)}: {desc}")

if __name__ == '__main__': main()
