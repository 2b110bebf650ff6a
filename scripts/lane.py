# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test lanes and quality gates for voiceops.chime (driven by the Makefile).

A lane is a virtual environment built from pinned requirements
(``tests/lanes/<lane>.txt``) with a specific Python, plus a collections root
``.lanes/<lane>/collections`` holding amazon.aws (extracted from the ``ansible``
wheel on PyPI, since Galaxy is out of reach; ansible.posix too, for the tests'
json callback) and voiceops.chime (the installed tarball, or a symlink to the
work tree after ``make dev``). Tool venvs (``tools-lint``, ``tools-importer``)
hold the gates' tools. Every stage prints one timing line; ``test`` ends with a
table and a ``tests: N passed, N failed, N skipped`` line.

Usage (see ``make help``)::

    python3 scripts/lane.py test current oldest --marker "not slow"   # make test
    python3 scripts/lane.py setup current
    python3 scripts/lane.py pytest current unit [-- PYTEST_ARGS]
    python3 scripts/lane.py dev current
    python3 scripts/lane.py gate sanity|lint|docs-lint|changelog-lint|importer|ee|all
    python3 scripts/lane.py run current SCRIPT [ARGS]

Only the standard library is used: this runs with whatever ``python3`` the machine has.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANES_DIR = os.path.join(ROOT, '.lanes')
CACHE_DIR = os.path.join(LANES_DIR, 'cache')
IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')

# Bump when the way a lane is built changes, so that existing lanes get rebuilt.
LANE_LAYOUT_VERSION = '1'

LANES = {
    # name: (Python major.minor, preferred pyenv version, ansible wheel carrying amazon.aws, amazon.aws version)
    'current': ('3.13', '3.13.0', '14.5.0', '11.4.0'),
    'oldest': ('3.11', '3.11.7', '12.3.0', '10.1.2'),
    # The oldest lane with boto3/botocore at requirements.txt's floors (make test-floors).
    'floors': ('3.11', '3.11.7', '12.3.0', '10.1.2'),
    # Tool venvs: no collections root of their own; they use the current lane's.
    'tools-lint': ('3.13', '3.13.0', None, None),
    'tools-importer': ('3.13', '3.13.0', None, None),
    'tools-awscli': ('3.13', '3.13.0', None, None),
}
TEST_LANES = ('current', 'oldest', 'floors')
# The gates run on the current lane only (issue 7).
GATE_LANE = 'current'
GATES = ('sanity', 'lint', 'docs-lint', 'docs-reference', 'changelog-lint', 'importer', 'ee', 'awscli')
# tests/<suite>: unit and integration must exist and collect tests; the fault-injection suite
# (issue 6) runs whenever its folder exists.
SUITES = ('unit', 'integration', 'faults')
OPTIONAL_SUITES = ('faults',)


class LaneError(Exception):
    """A stage failed; the message says why."""


class LaneUnavailable(LaneError):
    """The lane's Python is not on this machine."""


# ---------------------------------------------------------------------------
# small helpers


def log(message):
    """Print a progress line immediately (CI logs interleave with child output)."""
    print(message, flush=True)


def galaxy_meta():
    """Return (namespace, name, version) from galaxy.yml without needing PyYAML."""
    values = {}
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        for line in handle:
            match = re.match(r'^(namespace|name|version):\s*["\']?([^"\'\s#]+)', line)
            if match:
                values[match.group(1)] = match.group(2)
    return values['namespace'], values['name'], values['version']


def lane_dir(lane):
    return os.path.join(LANES_DIR, lane)


def venv_bin(lane):
    return os.path.join(lane_dir(lane), 'venv', 'bin')


def venv_python(lane):
    return os.path.join(venv_bin(lane), 'python')


def collections_root(lane):
    return os.path.join(lane_dir(lane), 'collections')


def installed_collection(lane):
    namespace, name, dummy = galaxy_meta()
    return os.path.join(collections_root(lane), 'ansible_collections', namespace, name)


def lane_env(lane, collections=None):
    """Environment for commands run in a lane: its venv first on PATH, its collections root."""
    env = dict(os.environ)
    env['PATH'] = venv_bin(lane) + os.pathsep + env.get('PATH', '')
    env['VIRTUAL_ENV'] = os.path.join(lane_dir(lane), 'venv')
    env['ANSIBLE_COLLECTIONS_PATH'] = collections or collections_root(lane)
    env['ANSIBLE_NOCOLOR'] = '1'
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    # .lanes sits inside the work tree's git repo but is ignored: a tool that asks git for the files
    # of a collection under .lanes (antsibull-docs copying amazon.aws) would get an empty list.
    # Git must not look above .lanes from in there.
    env['GIT_CEILING_DIRECTORIES'] = os.pathsep.join(sorted({LANES_DIR, os.path.realpath(LANES_DIR)}))
    # A user's own configuration must not change what the lanes test.
    for name in ('PYTHONPATH', 'PYTHONHOME', 'ANSIBLE_CONFIG', 'ANSIBLE_COLLECTIONS_PATHS'):
        env.pop(name, None)
    return env


def run(cmd, env=None, cwd=ROOT, capture_to=None, check=True):
    """Run a command; with capture_to, write its output to that file and show the tail on failure."""
    if capture_to:
        with open(capture_to, 'w', encoding='utf-8') as output:
            proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, check=False)
        if proc.returncode and check:
            with open(capture_to, encoding='utf-8', errors='replace') as output:
                # pip repeats a harmless warning per package for the machine's file:// index; drop it.
                lines = [line for line in output if 'is ignored: it is neither a file nor a directory' not in line]
            sys.stdout.write(''.join(lines[-40:]))
            raise LaneError('%s failed (exit %d), full log: %s' % (os.path.basename(cmd[0]), proc.returncode, capture_to))
        return proc
    proc = subprocess.run(cmd, env=env, cwd=cwd, check=False)
    if proc.returncode and check:
        raise LaneError('%s exited with %d' % (' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd[:3])), proc.returncode))
    return proc


def rmtree(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def sha256_of(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode('utf-8') if isinstance(part, str) else part)
        digest.update(b'\0')
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Python discovery


def python_candidates(version, pyenv_version):
    """Yield interpreter paths that may be Python ``version``, most preferred first."""
    override = os.environ.get('LANE_PYTHON_%s' % version.replace('.', '_'))
    if override:
        yield override
    roots = []
    pyenv = shutil.which('pyenv')
    if pyenv:
        try:
            roots.append(subprocess.run([pyenv, 'root'], capture_output=True, text=True, check=True).stdout.strip())
        except (OSError, subprocess.CalledProcessError):
            pass
    roots.extend([os.environ.get('PYENV_ROOT', ''), os.path.expanduser('~/.pyenv')])
    for root in [r for r in roots if r]:
        exe = 'python%s' % version
        yield os.path.join(root, 'versions', pyenv_version, 'bin', exe)
        # Any other patch release of the same minor version, newest first.
        others = glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', exe))
        pattern = re.compile(r'/versions/%s\.(\d+)/bin/' % re.escape(version))
        numbered = [(int(m.group(1)), path) for path in others for m in [pattern.search(path)] if m]
        for dummy, path in sorted(numbered, reverse=True):
            yield path
    # A bare pythonX.Y on PATH may be a pyenv shim that fails to run: verify_python() weeds those out.
    on_path = shutil.which('python%s' % version)
    if on_path:
        yield on_path
    for prefix in ('/usr/local/bin', '/usr/bin'):
        yield os.path.join(prefix, 'python%s' % version)


def verify_python(path, version):
    """True when ``path`` runs, is Python ``version`` and can create virtual environments."""
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return False
    probe = 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'
    try:
        proc = subprocess.run([path, '-c', probe], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() == version


def find_python(lane):
    version, pyenv_version = LANES[lane][0], LANES[lane][1]
    seen = set()
    for candidate in python_candidates(version, pyenv_version):
        if candidate in seen:
            continue
        seen.add(candidate)
        if verify_python(candidate, version):
            return candidate
    raise LaneUnavailable(
        'lane %s needs Python %s (with venv and ensurepip) and none was found: looked for pyenv version %s '
        '(`pyenv install %s`), python%s on PATH, and $LANE_PYTHON_%s'
        % (lane, version, pyenv_version, pyenv_version, version, version.replace('.', '_')))


# ---------------------------------------------------------------------------
# lane setup


def pins_file(lane):
    return os.path.join(ROOT, 'tests', 'lanes', '%s.txt' % lane)


def read_requirements(path, operator):
    """{name: version} for the lines of a requirements file that use ``operator`` (== or >=)."""
    found = {}
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            match = re.match(r'^\s*([A-Za-z0-9_.-]+)\s*%s\s*([0-9][^\s,;#]*)' % re.escape(operator), line)
            if match:
                found[match.group(1).lower()] = match.group(2)
    return found


def check_floor_pins():
    """The floors lane must pin exactly the floors that requirements.txt declares."""
    floors = read_requirements(os.path.join(ROOT, 'requirements.txt'), '>=')
    pins = read_requirements(pins_file('floors'), '==')
    wrong = ['%s: requirements.txt >=%s, floors lane ==%s' % (name, version, pins.get(name))
             for name, version in sorted(floors.items()) if pins.get(name) != version]
    if wrong:
        raise LaneError('tests/lanes/floors.txt does not match requirements.txt: %s' % '; '.join(wrong))


def setup_venv(lane):
    """Create .lanes/<lane>/venv from the pins unless the stamp says it is already up to date."""
    if lane == 'floors':
        check_floor_pins()
    python = find_python(lane)
    with open(pins_file(lane), 'rb') as handle:
        pins = handle.read()
    stamp_path = os.path.join(lane_dir(lane), 'venv.stamp')
    wanted = sha256_of(LANE_LAYOUT_VERSION, pins, os.path.realpath(python), repr(LANES[lane]))
    if os.path.exists(venv_python(lane)) and os.path.exists(stamp_path):
        with open(stamp_path, encoding='utf-8') as handle:
            if handle.read().strip() == wanted:
                return False
    os.makedirs(lane_dir(lane), exist_ok=True)
    rmtree(stamp_path)
    venv = os.path.join(lane_dir(lane), 'venv')
    rmtree(venv)
    run([python, '-m', 'venv', venv], capture_to=os.path.join(lane_dir(lane), 'venv.log'))
    run([venv_python(lane), '-m', 'pip', 'install', '--disable-pip-version-check', '-r', pins_file(lane)],
        capture_to=os.path.join(lane_dir(lane), 'pip.log'))
    with open(stamp_path, 'w', encoding='utf-8') as handle:
        handle.write(wanted + '\n')
    return True


# Collections taken from the ``ansible`` wheel. amazon.aws is our dependency (its version is
# checked against the lane); ansible.posix is for the tests only: its json stdout callback
# gives machine-readable playbook results (ansible-core ships no json callback).
WHEEL_COLLECTIONS = ('amazon/aws', 'ansible/posix')


def setup_wheel_collections(lane):
    """Extract amazon.aws (and ansible.posix) from the pinned ``ansible`` wheel into the collections root."""
    dummy, dummy, wheel_version, aws_version = LANES[lane]
    stamp_path = os.path.join(lane_dir(lane), 'wheel-collections.stamp')
    wanted = sha256_of(wheel_version, *WHEEL_COLLECTIONS)
    targets = [os.path.join(collections_root(lane), 'ansible_collections', *fqcn.split('/')) for fqcn in WHEEL_COLLECTIONS]
    if all(os.path.isdir(t) for t in targets) and os.path.exists(stamp_path):
        with open(stamp_path, encoding='utf-8') as handle:
            if handle.read().strip() == wanted:
                return False
    wheel = os.path.join(CACHE_DIR, 'ansible-%s-py3-none-any.whl' % wheel_version)
    if not os.path.exists(wheel):
        os.makedirs(CACHE_DIR, exist_ok=True)
        # --python-version: the wheel's metadata only has to match the lane, not the venv doing the download.
        run([venv_python(lane), '-m', 'pip', 'download', '--disable-pip-version-check', '--no-deps',
             '--only-binary=:all:', '--python-version', LANES[lane][0], '-d', CACHE_DIR, 'ansible==%s' % wheel_version],
            capture_to=os.path.join(lane_dir(lane), 'download.log'))
    staging = os.path.join(lane_dir(lane), 'wheel-collections.staging')
    rmtree(staging)
    prefixes = tuple('ansible_collections/%s/' % fqcn for fqcn in WHEEL_COLLECTIONS)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(staging, [member for member in archive.namelist() if member.startswith(prefixes)])
    with open(os.path.join(staging, 'ansible_collections', 'amazon', 'aws', 'MANIFEST.json'), encoding='utf-8') as handle:
        found = json.load(handle)['collection_info']['version']
    if found != aws_version:
        raise LaneError('ansible %s carries amazon.aws %s, expected %s' % (wheel_version, found, aws_version))
    rmtree(stamp_path)
    for fqcn, target in zip(WHEEL_COLLECTIONS, targets):
        rmtree(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(os.path.join(staging, 'ansible_collections', *fqcn.split('/')), target)
    rmtree(staging)
    with open(stamp_path, 'w', encoding='utf-8') as handle:
        handle.write(wanted + '\n')
    return True


def setup(lane):
    changed = setup_venv(lane)
    if LANES[lane][2]:
        changed = setup_wheel_collections(lane) or changed
    return changed


# ---------------------------------------------------------------------------
# build / install / dev


def build(lane):
    """Build the collection tarball with the lane's ansible-galaxy; return its path."""
    namespace, name, version = galaxy_meta()
    dist = os.path.join(lane_dir(lane), 'dist')
    rmtree(dist)
    os.makedirs(dist)
    run([os.path.join(venv_bin(lane), 'ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', dist],
        env=lane_env(lane), capture_to=os.path.join(lane_dir(lane), 'build.log'))
    tarball = os.path.join(dist, '%s-%s-%s.tar.gz' % (namespace, name, version))
    if not os.path.exists(tarball):
        raise LaneError('ansible-galaxy did not produce %s' % tarball)
    return tarball


def install(lane, tarball):
    """Install the tarball into the lane's collections root (replacing a dev symlink or an older copy).

    The dependency on amazon.aws is resolved for real (no --no-deps): it must be satisfied by the
    copy already in the collections root, and --offline keeps ansible-galaxy from asking Galaxy.
    """
    target = installed_collection(lane)
    rmtree(target)
    run([os.path.join(venv_bin(lane), 'ansible-galaxy'), 'collection', 'install', '--offline',
         '-p', collections_root(lane), tarball],
        env=lane_env(lane), capture_to=os.path.join(lane_dir(lane), 'install.log'))
    if not os.path.isfile(os.path.join(target, 'MANIFEST.json')):
        raise LaneError('installing %s left no MANIFEST.json in %s' % (tarball, target))


def dev(lane):
    """Point the lane's voiceops.chime at the work tree, so edits are tested without a rebuild."""
    target = installed_collection(lane)
    rmtree(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.symlink(ROOT, target)


def ensure_collection(lane):
    """Build and install unless the lane is in dev mode (symlink); return a short description."""
    if os.path.islink(installed_collection(lane)):
        return 'dev symlink -> work tree'
    install(lane, build(lane))
    return 'installed tarball'


# ---------------------------------------------------------------------------
# pytest


def suite_paths(suite):
    paths = [os.path.join('tests', suite)]
    return [p for p in paths if os.path.isdir(os.path.join(ROOT, p))]


def junit_counts(path):
    """(passed, failed, skipped) from a pytest JUnit XML report."""
    if not os.path.exists(path):
        return 0, 0, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get('tests', 0))
        failed += int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skipped += int(suite.get('skipped', 0))
    return total - failed - skipped, failed, skipped


def run_pytest(lane, suite, extra_args=(), counts=None, allow_empty=False):
    """Run one suite with the lane's pytest; a suite that collects nothing fails unless allow_empty."""
    paths = suite_paths(suite)
    if not paths:
        raise LaneError('tests/%s does not exist: no %s tests to run' % (suite, suite))
    report = os.path.join(lane_dir(lane), 'reports', '%s.xml' % suite)
    os.makedirs(os.path.dirname(report), exist_ok=True)
    rmtree(report)
    # Lanes run side by side: each suite gets its own basetemp (pytest's shared numbered dirs are
    # pruned by whichever session starts next) and no shared .pytest_cache writes.
    basetemp = os.path.join(tempfile.gettempdir(), 'voiceops-chime-pytest-%s' % sha256_of(ROOT)[:10], '%s-%s' % (lane, suite))
    os.makedirs(os.path.dirname(basetemp), exist_ok=True)
    cmd = [venv_python(lane), '-m', 'pytest', '-p', 'no:cacheprovider', '--basetemp', basetemp,
           '--junitxml', report, '-o', 'junit_suite_name=%s-%s' % (lane, suite)]
    proc = run(cmd + list(extra_args) + paths, env=lane_env(lane), check=False)
    if counts is not None:
        counts.append(junit_counts(report))
    if proc.returncode == 5:
        if allow_empty:
            return 'no test selected'
        # pytest's "no tests collected" must not pass as success.
        raise LaneError('pytest collected no tests in %s' % ' '.join(paths))
    if proc.returncode:
        raise LaneError('pytest %s exited with %d' % (suite, proc.returncode))
    passed, failed, skipped = junit_counts(report)
    return '%d passed, %d failed, %d skipped' % (passed, failed, skipped)


# ---------------------------------------------------------------------------
# gates (current lane; tools in their own venvs)


def ansible_test_pip_version(lane):
    """The pip version ansible-test bootstraps into its sanity venvs (it names the get-pip cache file)."""
    pattern = os.path.join(lane_dir(lane), 'venv', 'lib', 'python*', 'site-packages', 'ansible_test', '_internal',
                           'python_requirements.py')
    for path in glob.glob(pattern):
        with open(path, encoding='utf-8') as handle:
            match = re.search(r"\bpip='([0-9.]+)'", handle.read())
        if match:
            return match.group(1)
    raise LaneError('cannot tell which pip version ansible-test bootstraps (looked in %s)' % pattern)


def install_get_pip_standin(lane):
    """ansible-test downloads get-pip from a host we cannot reach, but uses a cached copy first."""
    version = ansible_test_pip_version(lane)
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if not os.path.exists(cache):
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, 'scripts', 'get_pip_standin.py'), cache)
        log('    installed offline get-pip stand-in at %s' % cache)


def sanity_root():
    """A per-checkout directory under the system temp dir for the sanity copy."""
    return os.path.join(tempfile.gettempdir(), 'voiceops-chime-sanity-%s' % sha256_of(ROOT)[:10])


def gate_sanity(tarball):
    """ansible-test sanity on a real copy of the built collection with amazon.aws as a sibling."""
    lane = GATE_LANE
    install_get_pip_standin(lane)
    namespace, name, dummy = galaxy_meta()
    # Outside the work tree: ansible-test walks up from the collection looking for a .git, and in
    # /work/main/.lanes it would find the project's repo, where .lanes is ignored (no files to test).
    tree = os.path.join(sanity_root(), 'ansible_collections')
    rmtree(os.path.dirname(tree))
    copy = os.path.join(tree, namespace, name)
    os.makedirs(copy)
    with tarfile.open(tarball) as archive:
        if hasattr(tarfile, 'data_filter'):
            archive.extractall(copy, filter='data')
        else:
            archive.extractall(copy)  # nosec - our own freshly built tarball
    # The copy is the source tree minus build_ignore: MANIFEST.json/FILES.json are build products, and
    # galaxy.yml (which ansible-galaxy leaves out) gives validate-modules the version for version_added checks.
    for generated in ('MANIFEST.json', 'FILES.json'):
        rmtree(os.path.join(copy, generated))
    shutil.copyfile(os.path.join(ROOT, 'galaxy.yml'), os.path.join(copy, 'galaxy.yml'))
    os.makedirs(os.path.join(tree, 'amazon'))
    shutil.copytree(os.path.join(collections_root(lane), 'ansible_collections', 'amazon', 'aws'),
                    os.path.join(tree, 'amazon', 'aws'), symlinks=True)
    python_version = LANES[lane][0]
    run([os.path.join(venv_bin(lane), 'ansible-test'), 'sanity', '--local', '--python', python_version, '--color', 'no'],
        env=lane_env(lane), cwd=copy)


def tools_env(tool_lane):
    env = lane_env(tool_lane, collections=collections_root(GATE_LANE))
    return env


def gate_lint(tarball):
    """ansible-lint --profile production on the work tree (settings in .ansible-lint)."""
    del tarball
    run([os.path.join(venv_bin('tools-lint'), 'ansible-lint'), '--profile', 'production', '--nocolor'],
        env=tools_env('tools-lint'))


def gate_docs_lint(tarball):
    del tarball
    run([os.path.join(venv_bin('tools-lint'), 'antsibull-docs'), 'lint-collection-docs', '--plugin-docs', '.'],
        env=tools_env('tools-lint'))


def gate_changelog_lint(tarball):
    """Fragments (antsibull-changelog lint) and the generated changelogs/changelog.yaml."""
    del tarball
    tool = os.path.join(venv_bin('tools-lint'), 'antsibull-changelog')
    run([tool, 'lint'], env=tools_env('tools-lint'))
    run([tool, 'lint-changelog-yaml', os.path.join('changelogs', 'changelog.yaml')], env=tools_env('tools-lint'))


IMPORTER_CONFIG = """[galaxy-importer]
# ansible-test runs as its own gate (sanity); the importer's copy would need a container.
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
CHECK_CHANGELOG = True
CHECK_REQUIRED_TAGS = True
RUN_FLAKE8 = False
ANSIBLE_LOCAL_TMP = {tmp}
LOG_LEVEL_MAIN = INFO
"""


def gate_importer(tarball):
    """galaxy-importer on the built tarball; it can log ERROR and still exit 0, so read its output."""
    work = os.path.join(lane_dir('tools-importer'), 'run')
    rmtree(work)
    os.makedirs(work)
    config = os.path.join(work, 'galaxy-importer.cfg')
    with open(config, 'w', encoding='utf-8') as handle:
        handle.write(IMPORTER_CONFIG.format(tmp=os.path.join(work, 'ansible-tmp')))
    env = tools_env('tools-importer')
    env['GALAXY_IMPORTER_CONFIG'] = config
    # The importer replaces ANSIBLE_COLLECTIONS_PATH with its own temp dir; amazon.aws comes through sys.path.
    env['PYTHONPATH'] = collections_root(GATE_LANE)
    output = os.path.join(work, 'importer.log')
    proc = run([venv_python('tools-importer'), '-m', 'galaxy_importer.main', tarball], env=env, cwd=work,
               capture_to=output, check=False)
    with open(output, encoding='utf-8', errors='replace') as handle:
        lines = handle.read().splitlines()
    errors = [line for line in lines if re.match(r'^\s*(ERROR|CRITICAL)\b', line)]
    warnings = [line for line in lines if re.match(r'^\s*WARNING\b', line)]
    for line in warnings:
        log('    importer: %s' % line.strip())
    if proc.returncode or errors:
        sys.stdout.write('\n'.join(lines[-60:]) + '\n')
        raise LaneError('galaxy-importer reported %d error line(s), exit %d; log: %s' % (len(errors), proc.returncode, output))
    log('    importer: no errors, %d warning line(s); log: %s' % (len(warnings), output))


def gate_ee(tarball):
    """ansible-builder create: validates meta/execution-environment.yml and writes the build context.

    The file's paths are relative to the collection root (as ansible-builder's introspection and
    galaxy-importer read a collection's meta/execution-environment.yml), so it is staged at the
    top of a copy holding the files it references.
    """
    del tarball
    work = os.path.join(lane_dir('tools-lint'), 'ee')
    rmtree(work)
    staged = os.path.join(work, 'source')
    os.makedirs(staged)
    shutil.copyfile(os.path.join(ROOT, 'meta', 'execution-environment.yml'), os.path.join(staged, 'execution-environment.yml'))
    for name in ('requirements.txt', 'bindep.txt'):
        if os.path.exists(os.path.join(ROOT, name)):
            shutil.copyfile(os.path.join(ROOT, name), os.path.join(staged, name))
    context = os.path.join(work, 'context')
    run([os.path.join(venv_bin('tools-lint'), 'ansible-builder'), 'create', '--file',
         os.path.join(staged, 'execution-environment.yml'), '--context', context, '--output-filename', 'Containerfile',
         '-v', '1'], env=tools_env('tools-lint'))
    for expected in ('Containerfile', os.path.join('_build', 'requirements.txt'), os.path.join('_build', 'requirements.yml')):
        if not os.path.isfile(os.path.join(context, expected)):
            raise LaneError('ansible-builder wrote no %s in %s' % (expected, context))
    # An EE that installs voiceops.chime from Galaxy learns its Python needs by introspecting the
    # installed collection: check that this finds our floors in the installed copy.
    proc = subprocess.run([os.path.join(venv_bin('tools-lint'), 'ansible-builder'), 'introspect', collections_root(GATE_LANE)],
                          env=tools_env('tools-lint'), capture_output=True, text=True, check=False)
    namespace, name, dummy = galaxy_meta()
    ours = [line.strip() for line in proc.stdout.splitlines() if 'from collection %s.%s' % (namespace, name) in line]
    if proc.returncode or not any('boto3' in line for line in ours):
        sys.stdout.write(proc.stdout + proc.stderr)
        raise LaneError('ansible-builder introspect did not find our Python requirements in the installed collection')
    return '%s; introspect: %s' % (os.path.relpath(context, ROOT), ', '.join(line.split('#')[0].strip(" -'") for line in ours))


def gate_docs_reference(tarball):
    """docs/reference/ must be what antsibull-docs renders from the plugins now (scripts/docs_reference.py)."""
    del tarball
    run([sys.executable, os.path.join(ROOT, 'scripts', 'docs_reference.py'), '--check'], env=tools_env('tools-lint'))


def gate_awscli(tarball):
    """The real AWS CLI against the emulator: pagination, both namespaces, errors, 429 retries."""
    del tarball
    run([venv_python('tools-awscli'), os.path.join(ROOT, 'tests', 'awscli', 'check_awscli.py'),
         os.path.join(venv_bin('tools-awscli'), 'aws')], env=lane_env('tools-awscli'))


GATE_FUNCTIONS = {
    'sanity': (gate_sanity, GATE_LANE),
    'lint': (gate_lint, 'tools-lint'),
    'docs-lint': (gate_docs_lint, 'tools-lint'),
    'docs-reference': (gate_docs_reference, 'tools-lint'),
    'changelog-lint': (gate_changelog_lint, 'tools-lint'),
    'importer': (gate_importer, 'tools-importer'),
    'ee': (gate_ee, 'tools-lint'),
    'awscli': (gate_awscli, 'tools-awscli'),
}


# ---------------------------------------------------------------------------
# stage bookkeeping


class Stages:
    """Runs named stages, prints one timing line each, and keeps going after a failure."""

    def __init__(self):
        self.results = []  # (label, status, seconds, detail)

    def run(self, label, func, *args):
        log('==> %s' % label)
        start = time.monotonic()
        try:
            detail = func(*args)
        except LaneUnavailable as exc:
            seconds = time.monotonic() - start
            status = 'FAILED' if IN_CI else 'SKIPPED'
            self.results.append((label, status, seconds, str(exc)))
            log('<== %s: %s in %.1fs: %s' % (label, status, seconds, exc))
            return None
        except (LaneError, OSError, subprocess.SubprocessError) as exc:
            seconds = time.monotonic() - start
            self.results.append((label, 'FAILED', seconds, str(exc)))
            log('<== %s: FAILED in %.1fs: %s' % (label, seconds, exc))
            return False
        seconds = time.monotonic() - start
        self.results.append((label, 'ok', seconds, detail if isinstance(detail, str) else ''))
        log('<== %s: ok in %.1fs' % (label, seconds))
        return True

    def failed(self):
        return [r for r in self.results if r[1] == 'FAILED']

    def report(self, total_seconds):
        log('')
        log('stage timings:')
        for label, status, seconds, detail in self.results:
            log('  %-34s %-8s %7.1fs  %s' % (label, status, seconds, detail))
        log('  %-34s %-8s %7.1fs' % ('total', 'FAILED' if self.failed() else 'ok', total_seconds))


def lane_test(stages, lane, counts, gates, pytest_args=(), allow_empty=False):
    """Setup, build, install and test one lane; the gates too when asked. Return the tarball or None."""
    if stages.run('%s: setup venv + amazon.aws' % lane, lambda: 'rebuilt' if setup(lane) else 'up to date') is not True:
        return None
    tarball_box = []

    def build_and_install():
        tarball = build(lane)
        install(lane, tarball)
        tarball_box.append(tarball)
        return os.path.relpath(tarball, ROOT)

    if stages.run('%s: build + install tarball' % lane, build_and_install) is not True:
        return None
    for suite in SUITES:
        if suite in OPTIONAL_SUITES and not suite_paths(suite):
            continue
        stages.run('%s: pytest %s' % (lane, suite), run_pytest, lane, suite, pytest_args, counts, allow_empty)
    if gates:
        run_gates(stages, tarball_box[0], GATES)
    return tarball_box[0]


def run_gates(stages, tarball, names):
    ready = {GATE_LANE}
    for name in names:
        func, tool_lane = GATE_FUNCTIONS[name]
        if tool_lane not in ready:
            if stages.run('%s: setup venv' % tool_lane, lambda tl=tool_lane: 'rebuilt' if setup(tl) else 'up to date') is not True:
                continue
            ready.add(tool_lane)
        stages.run('gate: %s' % name, func, tarball)


# ---------------------------------------------------------------------------
# commands


def test_one_lane(args, lane, stages, counts):
    pytest_args = ['-m', args.marker] if args.marker else []
    lane_test(stages, lane, counts, gates=(lane == GATE_LANE and not args.no_gates), pytest_args=pytest_args,
              allow_empty=args.allow_empty_suites)


def start_background_lane(args, lane):
    """Test ``lane`` in a child process (its output goes to a log, its results to a JSON file)."""
    os.makedirs(lane_dir(lane), exist_ok=True)
    log_path = os.path.join(lane_dir(lane), 'test.log')
    results_path = os.path.join(lane_dir(lane), 'test-results.json')
    rmtree(results_path)
    cmd = [sys.executable, os.path.abspath(__file__), 'test', lane, '--serial', '--results', results_path]
    cmd += ['--no-gates'] if args.no_gates else []
    cmd += ['--marker', args.marker] if args.marker else []
    cmd += ['--allow-empty-suites'] if args.allow_empty_suites else []
    with open(log_path, 'w', encoding='utf-8') as output:
        proc = subprocess.Popen(cmd, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)  # pylint: disable=consider-using-with
    log('==> %s: testing in the background (log: %s)' % (lane, os.path.relpath(log_path, ROOT)))
    return lane, proc, log_path, results_path


def collect_background_lane(job, stages, counts):
    lane, proc, log_path, results_path = job
    returncode = proc.wait()
    log('')
    log('==> output of lane %s (ran in parallel) ' % lane + '=' * 40)
    with open(log_path, encoding='utf-8', errors='replace') as handle:
        sys.stdout.write(handle.read())
    log('<== end of lane %s output ' % lane + '=' * 40)
    if not os.path.exists(results_path):
        stages.results.append(('%s: lane process' % lane, 'FAILED', 0.0, 'exited %d without results' % returncode))
        return
    with open(results_path, encoding='utf-8') as handle:
        results = json.load(handle)
    stages.results.extend(tuple(r) for r in results['stages'])
    counts.extend(tuple(c) for c in results['counts'])


def cmd_test(args):
    """Test the lanes; with several, the first runs here and the others in parallel child processes.

    Much of a lane's time is spent waiting (ansible-playbook start-up, retry back-off in the
    fault suite), so running the lanes side by side roughly halves `make test` on two cores.
    """
    start = time.monotonic()
    stages = Stages()
    counts = []
    background = []
    if not args.serial:
        background = [start_background_lane(args, lane) for lane in args.lanes[1:]]
    for lane in args.lanes[:1] if not args.serial else args.lanes:
        test_one_lane(args, lane, stages, counts)
    for job in background:
        collect_background_lane(job, stages, counts)
    if args.results:
        with open(args.results, 'w', encoding='utf-8') as handle:
            json.dump({'stages': stages.results, 'counts': counts}, handle)
    stages.report(time.monotonic() - start)
    passed = sum(c[0] for c in counts)
    failed = sum(c[1] for c in counts)
    skipped = sum(c[2] for c in counts)
    skipped_stages = [r[0] for r in stages.results if r[1] == 'SKIPPED']
    if skipped_stages:
        log('SKIPPED (Python missing here; CI=true turns this into a failure): %s' % ', '.join(skipped_stages))
    nothing_ran = passed + failed == 0
    if nothing_ran:
        log('no test ran: nothing was tested')
    if stages.failed():
        log('FAILED stages: %s' % ', '.join(r[0] for r in stages.failed()))
    # One closing line in the plain "N passed, N failed" form, summed over every pytest run above.
    log('tests: %d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if stages.failed() or nothing_ran else 0


def cmd_setup(args):
    stages = Stages()
    for lane in args.lanes:
        stages.run('%s: setup' % lane, lambda ln=lane: 'rebuilt' if setup(ln) else 'up to date')
    return 1 if stages.failed() or any(r[1] == 'SKIPPED' for r in stages.results) else 0


def cmd_pytest(args):
    stages = Stages()
    lane = args.lane
    if stages.run('%s: setup' % lane, setup, lane) is not True:
        return 1
    if stages.run('%s: collection' % lane, ensure_collection, lane) is not True:
        return 1
    for suite in args.suites:
        stages.run('%s: pytest %s' % (lane, suite), run_pytest, lane, suite, args.pytest_args)
    stages.report(sum(r[2] for r in stages.results))
    return 1 if stages.failed() else 0


def cmd_dev(args):
    setup(args.lane)
    dev(args.lane)
    log('%s -> %s' % (installed_collection(args.lane), ROOT))
    log('export ANSIBLE_COLLECTIONS_PATH=%s' % collections_root(args.lane))
    log('make unit/integration LANE=%s now test the work tree directly; make test reinstalls the tarball.' % args.lane)
    return 0


def cmd_gate(args):
    names = GATES if args.names == ['all'] else args.names
    unknown = [n for n in names if n not in GATES]
    if unknown:
        log('unknown gate(s): %s (known: %s)' % (', '.join(unknown), ', '.join(GATES)))
        return 2
    start = time.monotonic()
    stages = Stages()
    tarball_box = []

    def prepare():
        setup(GATE_LANE)
        tarball_box.append(build(GATE_LANE))
        # Gates that read the collections root (lint, docs) need our collection beside amazon.aws.
        ensure_collection(GATE_LANE)

    if stages.run('%s: setup + build' % GATE_LANE, prepare) is True:
        run_gates(stages, tarball_box[0], names)
    stages.report(time.monotonic() - start)
    return 1 if stages.failed() or any(r[1] == 'SKIPPED' for r in stages.results) else 0


def cmd_run(args):
    """Run a Python script with the lane's interpreter and collections root (make demo / make bench)."""
    setup(args.lane)
    ensure_collection(args.lane)
    script = os.path.join(ROOT, args.script)
    if not os.path.exists(script):
        log('%s does not exist yet' % args.script)
        return 1
    return subprocess.run([venv_python(args.lane), script] + args.script_args, env=lane_env(args.lane), cwd=ROOT,
                          check=False).returncode


def cmd_changelog_release(args):
    """antsibull-changelog release: it runs ansible-doc to list new plugins, so it needs the tools venv
    on PATH and the current lane's collections root (with this collection installed)."""
    del args
    setup(GATE_LANE)
    ensure_collection(GATE_LANE)
    setup('tools-lint')
    return run([os.path.join(venv_bin('tools-lint'), 'antsibull-changelog'), 'release', '--update-existing'], env=tools_env('tools-lint'),
               check=False).returncode


def cmd_python(args):
    print(venv_python(args.lane))
    return 0


def cmd_clean(args):
    """Remove build products; --all also removes the lanes (venvs, downloaded wheels)."""
    paths = [os.path.join(ROOT, 'tests', 'output'), os.path.join(ROOT, '.ansible'), os.path.join(ROOT, '.pytest_cache'),
             os.path.join(ROOT, '.hypothesis')]
    paths += glob.glob(os.path.join(ROOT, '*.tar.gz'))
    if args.all:
        paths.append(LANES_DIR)
    else:
        for lane in LANES:
            paths += [os.path.join(lane_dir(lane), sub) for sub in ('dist', 'reports', 'run', 'ee')]
    paths.append(sanity_root())
    paths.append(os.path.join(tempfile.gettempdir(), 'voiceops-chime-pytest-%s' % sha256_of(ROOT)[:10]))
    for dirpath, dirnames, dummy in os.walk(ROOT):
        if '.lanes' in dirnames:
            dirnames.remove('.lanes')
        if '.git' in dirnames:
            dirnames.remove('.git')
        if '__pycache__' in dirnames:
            paths.append(os.path.join(dirpath, '__pycache__'))
            dirnames.remove('__pycache__')
    for path in paths:
        rmtree(path)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    sub = parser.add_subparsers(dest='command', required=True)

    test = sub.add_parser('test', help='setup, build, install, unit + integration per lane; gates on the current lane')
    test.add_argument('lanes', nargs='+', choices=TEST_LANES)
    test.add_argument('--no-gates', action='store_true')
    test.add_argument('--marker', help='pytest -m expression for every suite (e.g. "not slow")')
    test.add_argument('--allow-empty-suites', action='store_true',
                      help='a suite with no selected test is not a failure (the run still needs one test)')
    test.add_argument('--serial', action='store_true', help='test the lanes one after the other')
    test.add_argument('--results', help=argparse.SUPPRESS)
    test.set_defaults(func=cmd_test)

    setup_cmd = sub.add_parser('setup', help='create or refresh lane venvs')
    setup_cmd.add_argument('lanes', nargs='+', choices=sorted(LANES))
    setup_cmd.set_defaults(func=cmd_setup)

    pytest_cmd = sub.add_parser('pytest', help='run test suites on one lane (dev symlink if present, else tarball)')
    pytest_cmd.add_argument('lane', choices=TEST_LANES)
    pytest_cmd.add_argument('suites', nargs='+', choices=SUITES)
    pytest_cmd.set_defaults(pytest_args=[])
    pytest_cmd.set_defaults(func=cmd_pytest)

    dev_cmd = sub.add_parser('dev', help='symlink the work tree into the lane collections root')
    dev_cmd.add_argument('lane', choices=TEST_LANES)
    dev_cmd.set_defaults(func=cmd_dev)

    gate = sub.add_parser('gate', help='run quality gates on the current lane')
    gate.add_argument('names', nargs='+', help='%s or all' % ', '.join(GATES))
    gate.set_defaults(func=cmd_gate)

    run_cmd = sub.add_parser('run', help='run a Python script with a lane interpreter')
    run_cmd.add_argument('lane', choices=TEST_LANES)
    run_cmd.add_argument('script')
    run_cmd.add_argument('script_args', nargs=argparse.REMAINDER)
    run_cmd.set_defaults(func=cmd_run)

    python_cmd = sub.add_parser('python', help='print the lane venv python path')
    python_cmd.add_argument('lane', choices=sorted(LANES))
    python_cmd.set_defaults(func=cmd_python)

    release = sub.add_parser('changelog-release', help='antsibull-changelog release (version from galaxy.yml)')
    release.set_defaults(func=cmd_changelog_release)

    clean = sub.add_parser('clean', help='remove build products (--all: lanes too)')
    clean.add_argument('--all', action='store_true')
    clean.set_defaults(func=cmd_clean)

    # Everything after `--` goes to pytest untouched (argparse would read `-k` as one of ours).
    extra = []
    if '--' in argv:
        extra = list(argv[argv.index('--') + 1:])
        argv = list(argv[:argv.index('--')])
    args = parser.parse_args(argv)
    if extra:
        if args.command != 'pytest':
            parser.error('only the pytest command takes arguments after --')
        args.pytest_args = extra
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.func(args)
    except LaneError as exc:
        log('error: %s' % exc)
        return 1


if __name__ == '__main__':
    sys.exit(main())
