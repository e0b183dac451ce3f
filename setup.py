"""Classic nbdev 2 setup.py, without `pkg_resources` (removed in setuptools 82)."""
from configparser import ConfigParser
import os, setuptools, shlex
from packaging.requirements import Requirement


config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language".split()
for o in expected: assert o in cfg, "missing expected setting: {}".format(o)
setup_cfg = {o: cfg[o] for o in cfg_keys}

licenses = {
    'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.9 3.10 3.11 3.12 3.13'.split()

def _reqs(key):
    "Requirements from a space-separated settings.ini entry, validated with `packaging`."
    reqs = shlex.split(cfg.get(key, ''))
    for r in reqs: Requirement(r)  # fails loudly on a malformed pin
    return reqs

requirements = _reqs('requirements')
dev_requirements = _reqs('dev_requirements')
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
console_scripts = [o.strip() for o in cfg.get('console_scripts', '').split() if o.strip()]

# The shipped weights: every file listed in weights/SHA256SUMS (with the sums, the card and the model card README)
# is installed as the package data `fusing_forces/weights/`, where `fusing_forces.checkpoints.weights_dir` finds it in an
# installed package; a source checkout reads `weights/` itself. Files not listed there (experiments) are not shipped.
def _weights_files(folder='weights'):
    sums = os.path.join(folder, 'SHA256SUMS')
    if not os.path.isfile(sums): return []
    listed = [line.split(maxsplit=1)[1].strip().lstrip('*') for line in open(sums, encoding='utf-8') if line.strip()]
    missing = [f for f in listed if not os.path.isfile(os.path.join(folder, f))]
    if missing: raise SystemExit(f"setup.py: {sums} lists files that are not there: {missing}")
    return listed + [f for f in ('SHA256SUMS', 'card.json', 'README.md') if os.path.isfile(os.path.join(folder, f))]

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
    ] + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]]
      + (['License :: ' + lic[1]] if lic[1] else []),
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=['fusing_forces', 'fusing_forces.*']) + ['fusing_forces.weights'],
    package_dir={'fusing_forces.weights': 'weights'},
    package_data={'fusing_forces.weights': _weights_files()},
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + cfg['min_python'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': console_scripts,
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d'],
    },
    **setup_cfg)
