# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: voiceops.chime side by side with a plain boto3 loop and a stdlib floor (issue 5).

    make bench                                   # both lanes (current, oldest), full run
    make bench ARGS="--quick"                    # smoke run: small sizes, one repetition, no results.json
    make bench ARGS="--lanes current"            # one lane; its entry in results.json is replaced
    python tests/perf/bench.py --markdown        # print results.json as the tables of docs/performance.md

One emulator (tests/emulator/chime_emulator.py) runs as a separate process for a whole lane run;
its dataset is switched between sizes through its control API and every page is served once
before anything is timed, so measurements see pre-serialised pages. Every figure is the median of
several runs (``REPS`` below, fewer for 100,000 orders, recorded with each figure); the variants
of one comparison run interleaved, one after the other in each round, so a busy machine slows
them alike. Nothing here asserts on timings: the targets of issue 5 are printed as PASS/MISS.

What is measured (N = orders; the emulator's generator gives 3 numbers per order):
  1. listing, in this process: our ``list_orders`` with a client made as ``create_client`` makes it
     (``client_config()`` + ``keep_timestamps_as_text``) vs the plain boto3 loop vs ``http.client``
     keep-alive + ``json.loads`` (the floor) at N = 1,000 / 10,000 / 100,000;
  2. ``ansible-playbook`` running chime_phone_number_order_info (full facts) at 10,000 vs the plain
     boto3 loop as a process, with a breakdown: start-up (the same task fetching one order by id),
     fetch / transform / result serialisation (timed inside the module process, see
     module_process.py) and the controller (the rest);
  3. ``ansible-playbook voiceops.chime.verify_numbers`` for 10,000 orders / 10,000 expected numbers,
     with reports, vs the plain boto3 loop process;
  4. the judge: the role's judge step (from its report.json timings) and the pure function for
     10,000 expected vs 30,000 ordered numbers, vs a looped ``assert`` playbook on 1,000 numbers;
  5. ``ansible-inventory --list`` with voiceops.chime.chime_phone_numbers for 10,000 orders, cold and
     from its cache, vs a static YAML inventory of the same hosts, groups and variables;
  6. peak RSS of the module process at each N.

The lane is the nox session running this file (``nox -s bench-current``, ``bench-oldest``; ``make
bench`` runs both), which sets VOICEOPS_CHIME_LANE and ANSIBLE_COLLECTIONS_PATH. Each lane's run
merges its figures into results.json.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from pathlib import Path

PERF_DIR = Path(__file__).resolve().parent
ROOT = PERF_DIR.parent.parent
EMULATOR_SCRIPT = ROOT / 'tests' / 'emulator' / 'chime_emulator.py'
RESULTS_PATH = PERF_DIR / 'results.json'
LANES = ('current', 'oldest')
TARGET_LANE = 'current'
SEED = 0
E2E_ORDERS = 10_000
EXPECTED_NUMBERS = 10_000
GIB = 1024 ** 3

# Repetitions: every figure is a median of this many runs.
FULL = {
    'sizes': (1_000, 10_000, 100_000),
    # At 100,000 orders the plain boto3 loop alone takes 15-35 s here: it runs once.
    'listing_reps': {1_000: 7, 10_000: 5, 100_000: {'ours': 3, 'boto3_loop': 1, 'floor': 3}},
    'module_reps': {1_000: 3, 10_000: 3, 100_000: 1},
    'reps': 3,
    'loop_numbers': 1_000,
    'emulator_reps': 3,
}
QUICK = {
    'sizes': (1_000, 10_000),
    'listing_reps': {1_000: 1, 10_000: 1},
    'module_reps': {1_000: 1, 10_000: 1},
    'reps': 1,
    'loop_numbers': 100,
    'emulator_reps': 1,
}

# Fake credentials: the emulator does not check signatures unless asked to.
FAKE_AWS_ENV = {
    'AWS_ACCESS_KEY_ID': 'AKIAVOICEOPSBENCH001',
    'AWS_SECRET_ACCESS_KEY': 'voiceops-bench-fake-secret',
    'AWS_DEFAULT_REGION': 'us-east-1',
    'AWS_REGION': 'us-east-1',
    'AWS_EC2_METADATA_DISABLED': 'true',
}
AWS_VARS_TO_CLEAR = (
    'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ROLE_ARN',
    'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_CHIME', 'AWS_CA_BUNDLE', 'AWS_RETRY_MODE', 'AWS_MAX_ATTEMPTS',
)
# The floor sends a well-formed but unsigned SigV4 header: the emulator only parses it unless
# started with --verify-sigv4, and signing is not what the floor is about.
FLOOR_AUTHORIZATION = ('AWS4-HMAC-SHA256 Credential=AKIAVOICEOPSBENCH001/20260101/us-east-1/chime/aws4_request, '
                       'SignedHeaders=host;x-amz-date, Signature=' + '0' * 64)

TARGET_TEXT = {
    'listing_vs_boto3': 'listing 10,000: >= 4x faster than the plain boto3 loop',
    'listing_vs_floor': 'listing 10,000: <= 5x the stdlib floor',
    'verify_vs_boto3': 'verify_numbers 10,000 orders/10,000 expected: <= 1.0x the boto3 loop process',
    'playbook_vs_boto3': 'ansible-playbook, module with full facts, 10,000: <= 1.5x the boto3 loop process',
    'judge_per_number': 'judge: >= 50x faster per number than a looped assert (slower judge step)',
    'judge_seconds_role': 'judge step in the role: < 1 s for 10,000 expected vs 30,000 ordered numbers',
    'judge_seconds_filter': 'judge step as the filter in a playbook: < 1 s for the same',
    'inventory_cached': 'ansible-inventory --list from cache: <= 1.5x a static YAML inventory',
    'memory_linear': 'module peak RSS grows linearly with N',
    'memory_100k': 'module peak RSS at 100,000 orders < 1 GiB',
}


class BenchError(Exception):
    """A measurement could not be made; the message says why."""


def log(message=''):
    print(message, flush=True)


def median(samples):
    return statistics.median(samples) if samples else None


def figure(samples, **extra):
    """A measured figure: median and the raw samples (seconds unless said otherwise)."""
    value = {'median': round(median(samples), 6) if samples else None, 'samples': [round(s, 6) for s in samples]}
    value.update(extra)
    return value


def reps_text(reps):
    values = sorted(set(reps.values())) if isinstance(reps, dict) else [reps]
    if len(values) == 1:
        return str(values[0])
    return '/'.join('%d %s' % (count, name.replace('_', ' ')) for name, count in reps.items())


def ratio(numerator, denominator):
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


# --------------------------------------------------------------------------- the lane


def collections_root():
    value = os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')
    first = value.split(os.pathsep)[0] if value else ''
    root = Path(first).resolve() if first else None
    if root is not None and root.name == 'ansible_collections':
        root = root.parent
    if root is None or not (root / 'ansible_collections' / 'voiceops' / 'chime').is_dir():
        raise BenchError('ANSIBLE_COLLECTIONS_PATH does not hold voiceops.chime: run this through `make bench` '
                         '(nox -s bench-current)')
    return root


def private_collections_root(root, workdir):
    """A collections root for this run only: the lane's amazon.aws (and ansible.posix), our collection copied.

    A bench session's collections root is rebuilt when the session runs again; a copy of the
    installed tarball keeps the whole run on one version. A symlink to a work tree stays a symlink.
    """
    private = workdir / 'collections'
    source = root / 'ansible_collections'
    for namespace in sorted(p.name for p in source.iterdir() if p.is_dir()):
        for name in sorted(p.name for p in (source / namespace).iterdir()):
            target = private / 'ansible_collections' / namespace / name
            target.parent.mkdir(parents=True, exist_ok=True)
            origin = source / namespace / name
            if (namespace, name) == ('voiceops', 'chime') and not origin.is_symlink():
                shutil.copytree(origin, target, symlinks=True)
            else:
                target.symlink_to(origin.resolve() if origin.is_symlink() else origin)
    return private


def lane_of_this_interpreter():
    return os.environ.get('VOICEOPS_CHIME_LANE')  # set by the bench-<lane> nox session


def manifest_version(path):
    try:
        with open(path / 'MANIFEST.json', encoding='utf-8') as handle:
            return json.load(handle)['collection_info']['version']
    except (OSError, ValueError, KeyError):
        return None


def environment(root):
    import ansible  # pylint: disable=import-outside-toplevel
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore  # pylint: disable=import-outside-toplevel

    ours = root / 'ansible_collections' / 'voiceops' / 'chime'
    return {
        'python': platform.python_version(),
        'ansible_core': ansible.__version__ if hasattr(ansible, '__version__') else _ansible_version(),
        'amazon_aws': manifest_version(root / 'ansible_collections' / 'amazon' / 'aws'),
        'boto3': boto3.__version__,
        'botocore': botocore.__version__,
        'collection': 'dev symlink to the work tree' if ours.is_symlink() else
                      'installed tarball %s' % (manifest_version(ours) or '?'),
        'cpus': os.cpu_count(),
        'machine': platform.machine(),
        'commit': git_commit(),
    }


def git_commit():
    """The work tree's commit (+ '-dirty' with uncommitted changes), or None outside git."""
    try:
        head = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=str(ROOT), capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=str(ROOT),
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ('-dirty' if dirty else '')


def _ansible_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    return __version__


def load_average():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# --------------------------------------------------------------------------- the emulator


class Emulator:
    """chime_emulator.py as a separate process, so it never competes with the client for the GIL."""

    def __init__(self, workdir):
        sys.path.insert(0, str(EMULATOR_SCRIPT.parent))
        from chime_emulator import ChimeEmulatorClient  # pylint: disable=import-outside-toplevel,import-error

        self.stderr_path = workdir / 'emulator.stderr'
        with open(self.stderr_path, 'wb') as stderr:
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, str(EMULATOR_SCRIPT), '--port', '0'],
                stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode('utf-8', 'replace').strip()
        match = re.fullmatch(r'listening on (http://127\.0\.0\.1:(\d+))', line)
        if not match:
            self.stop()
            raise BenchError('the emulator did not start (first line %r): %s'
                             % (line, self.stderr_path.read_text(errors='replace')[-2000:]))
        self.url = match.group(1)
        self.port = int(match.group(2))
        self.control = ChimeEmulatorClient(self.url, timeout=120)
        self.orders = None

    def serve(self, n):
        """Serve ``n`` generated orders, and send every page once so later requests hit ready pages."""
        if self.orders != n:
            self.control.generate(n, seed=SEED)
            self.orders = n
            fetch_raw(self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


_TOKEN_AT_START = re.compile(rb'^\{"NextToken":(?:null|"([^"]*)")')


def _list_path(token):
    path = '/phone-number-orders?max-results=99'
    if token:
        path += '&next-token=' + urllib.parse.quote(token, safe='')
    return path


def fetch_raw(port):
    """Every page over one keep-alive connection, bodies not parsed: what the emulator alone costs.

    Returns (pages, seconds). The token is read from the start of the body, where the emulator
    (like the service) writes it.
    """
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    headers = {'Authorization': FLOOR_AUTHORIZATION}
    start = time.perf_counter()
    pages = 0
    token = None
    try:
        while True:
            connection.request('GET', _list_path(token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise BenchError('emulator answered %d: %r' % (response.status, body[:200]))
            pages += 1
            match = _TOKEN_AT_START.match(body)
            if match:
                token = match.group(1).decode('ascii') if match.group(1) is not None else None
            else:
                token = json.loads(body).get('NextToken')
            if not token:
                return pages, time.perf_counter() - start
    finally:
        connection.close()


def fetch_floor(port):
    """The stdlib floor: http.client keep-alive + json.loads of every page. Returns (orders, pages, seconds)."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    headers = {'Authorization': FLOOR_AUTHORIZATION}
    orders = []
    pages = 0
    token = None
    try:
        while True:
            connection.request('GET', _list_path(token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise BenchError('emulator answered %d: %r' % (response.status, body[:200]))
            page = json.loads(body)
            pages += 1
            orders.extend(page['PhoneNumberOrders'])
            token = page.get('NextToken')
            if not token:
                return len(orders), pages, time.perf_counter() - start
    finally:
        connection.close()


# --------------------------------------------------------------------------- Ansible commands


class Runner:
    """Runs the lane's commands with fake AWS credentials and an isolated Ansible home."""

    def __init__(self, workdir, root):
        self.workdir = workdir
        self.bin = Path(sys.executable).parent  # the venv's bin, not resolved
        home = workdir / 'ansible-home'
        home.mkdir()
        config = workdir / 'ansible.cfg'
        config.write_text('')
        (workdir / 'aws-config').write_text('')
        env = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_') and k != 'PYTHONPATH'}
        for name in AWS_VARS_TO_CLEAR:
            env.pop(name, None)
        env.update(FAKE_AWS_ENV)
        env.update({
            'AWS_CONFIG_FILE': str(workdir / 'aws-config'),
            'AWS_SHARED_CREDENTIALS_FILE': str(workdir / 'aws-config'),
            'PATH': str(self.bin) + os.pathsep + env.get('PATH', ''),
            'ANSIBLE_CONFIG': str(config),
            'ANSIBLE_COLLECTIONS_PATH': str(root),
            'ANSIBLE_HOME': str(home),
            'ANSIBLE_LOCAL_TEMP': str(home / 'tmp'),
            'ANSIBLE_REMOTE_TEMP': str(home / 'remote-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'PYTHONDONTWRITEBYTECODE': '1',
        })
        self.env = env

    def run(self, argv, expect=(0,), stdout_path=None, timeout=1800, env=None):
        """Run argv (a lane command name or a path first); return (seconds, CompletedProcess)."""
        command = [str(self.bin / argv[0]) if (self.bin / argv[0]).exists() else str(argv[0])] + [str(a) for a in argv[1:]]
        out = open(stdout_path, 'wb') if stdout_path else subprocess.PIPE  # pylint: disable=consider-using-with
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, env=dict(self.env, **(env or {})), cwd=str(self.workdir), stdout=out, stderr=subprocess.PIPE,
                                  timeout=timeout, check=False)
        finally:
            if stdout_path:
                out.close()
        seconds = time.perf_counter() - start
        if proc.returncode not in expect:
            stdout = (Path(stdout_path).read_text(errors='replace') if stdout_path
                      else proc.stdout.decode('utf-8', 'replace'))
            raise BenchError('%s exited %d\nstdout (end):\n%s\nstderr (end):\n%s' % (
                ' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command[:3])), proc.returncode,
                stdout[-3000:], proc.stderr.decode('utf-8', 'replace')[-3000:]))
        return seconds, proc


# --------------------------------------------------------------------------- the data


def bench_data(root, orders_count):
    """(orders as the service sends them, our phone_numbers fact) for the emulator's generated orders."""
    for path in (str(root), str(EMULATOR_SCRIPT.parent)):
        if path not in sys.path:
            sys.path.insert(0, path)
    from chime_emulator import generate_orders  # pylint: disable=import-outside-toplevel,import-error
    from ansible_collections.voiceops.chime.plugins.module_utils.orders import (  # pylint: disable=import-outside-toplevel
        latest_status_by_number, order_from_api)

    api_orders = generate_orders(orders_count, seed=SEED)
    phone_numbers = latest_status_by_number([order_from_api(order) for order in api_orders])
    return api_orders, phone_numbers


def expected_numbers(phone_numbers, count):
    """``count`` numbers whose latest status is Acquired, spread over the whole listing (a passing check)."""
    acquired = [entry['e164_phone_number'] for entry in phone_numbers if entry['status'] == 'Acquired']
    if len(acquired) < count:
        raise BenchError('only %d acquired numbers in the generated data, %d wanted' % (len(acquired), count))
    step = len(acquired) / count
    return [acquired[int(i * step)] for i in range(count)]


# --------------------------------------------------------------------------- 1. listing


def timed_call(func):
    """(seconds, result) of func(), with the objects that already exist left out of garbage collection.

    This process holds the generated data set and earlier results; without gc.freeze() every
    full collection triggered by the loop under test would walk them too, a cost the loop would
    not have in a process of its own (the module, a script).
    """
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        result = func()
        return time.perf_counter() - start, result
    finally:
        gc.unfreeze()


class Listing:
    """The three listing loops of measurement 1, each timed without client creation."""

    def __init__(self, emulator):
        self.emulator = emulator
        from ansible_collections.voiceops.chime.plugins.module_utils import listing  # pylint: disable=import-outside-toplevel
        import plain_boto3_loop  # pylint: disable=import-outside-toplevel,import-error
        self.listing = listing
        self.plain = plain_boto3_loop
        import boto3  # pylint: disable=import-outside-toplevel
        self.boto3 = boto3

    def ours(self):
        """list_orders with a client made the way create_client makes one."""
        listing = self.listing
        client = self.boto3.session.Session().client('chime', region_name='us-east-1', endpoint_url=self.emulator.url,
                                                     config=listing.client_config())
        listing.keep_timestamps_as_text(client)
        seconds, (orders, pages) = timed_call(lambda: listing.list_orders(client, 'chime'))
        return seconds, len(orders), pages

    def boto3_loop(self):
        client = self.plain.make_client(self.emulator.url)
        seconds, (orders, pages) = timed_call(lambda: self.plain.fetch_all(client))
        return seconds, len(orders), pages

    def floor(self):
        seconds, (count, pages, dummy) = timed_call(lambda: fetch_floor(self.emulator.port))
        return seconds, count, pages


def measure_listing(emulator, settings, result):
    if str(PERF_DIR) not in sys.path:
        sys.path.insert(0, str(PERF_DIR))
    loops = Listing(emulator)
    result['listing'] = {}
    result['emulator'] = {'pages_per_second': {}, 'process': 'separate process (%s)' % Path(EMULATOR_SCRIPT).name}
    for size in settings['sizes']:
        emulator.serve(size)
        raw = [fetch_raw(emulator.port) for dummy in range(settings['emulator_reps'])]
        pages = raw[0][0]
        rate = pages / median([seconds for dummy, seconds in raw])
        result['emulator']['pages_per_second'][str(size)] = round(rate)
        samples = {'ours': [], 'boto3_loop': [], 'floor': []}
        reps = settings['listing_reps'][size]
        reps = reps if isinstance(reps, dict) else {name: reps for name in samples}
        for rep in range(max(reps.values())):
            for name in samples:
                if rep >= reps[name]:
                    continue
                seconds, count, listed_pages = getattr(loops, name)()
                if count != size or listed_pages != pages:
                    raise BenchError('%s listed %d orders in %d pages, expected %d in %d' % (
                        name, count, listed_pages, size, pages))
                samples[name].append(seconds)
        entry = {name: figure(values) for name, values in samples.items()}
        entry['pages'] = pages
        entry['reps'] = reps
        entry['boto3_over_ours'] = ratio(entry['boto3_loop']['median'], entry['ours']['median'])
        entry['ours_over_floor'] = ratio(entry['ours']['median'], entry['floor']['median'])
        result['listing'][str(size)] = entry
        log('  listing %7s orders (%4d pages, %s runs): ours %.3f s, boto3 loop %.3f s (%.1fx), floor %.3f s '
            '(ours = %.1fx floor); emulator alone %d pages/s' % (
                '{:,}'.format(size), pages, reps_text(reps), entry['ours']['median'], entry['boto3_loop']['median'],
                entry['boto3_over_ours'], entry['floor']['median'], entry['ours_over_floor'], rate))


# --------------------------------------------------------------------------- 2, 3, 6: processes


# The least any playbook costs: start-up, one task that runs no module, exit.
PLAYBOOK_FLOOR = """\
- name: Start ansible-playbook and do nothing
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: start-up only
"""

PLAYBOOK_LISTING = """\
- name: List the phone number orders
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List every order with chime_phone_number_order_info
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ bench_endpoint_url }}"
        include_orders: "{{ bench_include_orders | bool }}"
        phone_number_order_ids: "{{ bench_order_ids | default(omit) }}"
      register: bench_listing
"""


def module_process(runner, emulator, workdir, name, module_args):
    """Run module_process.py once; return its stats plus wall time and result size."""
    args_path = workdir / ('%s-args.json' % name)
    args_path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': dict(module_args, endpoint_url=emulator.url)}))
    stats_path = workdir / ('%s-stats.json' % name)
    out_path = workdir / ('%s-result.json' % name)
    # The module imports our code as Ansible does: from the lane's collections root.
    seconds, dummy = runner.run([sys.executable, PERF_DIR / 'module_process.py', stats_path, args_path],
                                stdout_path=out_path, env={'PYTHONPATH': runner.env['ANSIBLE_COLLECTIONS_PATH']})
    stats = json.loads(stats_path.read_text())
    stats['wall'] = seconds
    stats['result_bytes'] = out_path.stat().st_size
    if stats.get('exit_code'):
        raise BenchError('the module failed: %s' % out_path.read_text(errors='replace')[-2000:])
    out_path.unlink()
    return stats


def measure_module_memory(runner, emulator, workdir, settings, result, shared):
    """6. Peak RSS (and in-module timings) of the module process at each N, full facts."""
    memory = {}
    for size in settings['sizes']:
        # The 10,000-order runs of measure_processes are the same command: reuse them.
        runs = shared.get('module_runs', {}).get(size)
        if not runs:
            emulator.serve(size)
            runs = [module_process(runner, emulator, workdir, 'module-%d' % size, {})
                    for dummy in range(settings['module_reps'][size])]
        memory[str(size)] = {
            'reps': len(runs),
            'max_rss_mib': round(median([r['max_rss_kib'] for r in runs]) / 1024, 1),
            'result_mib': round(runs[0]['result_bytes'] / 2 ** 20, 2),
            'wall': figure([r['wall'] for r in runs]),
            'fetch': figure([r['fetch'] for r in runs]),
            'transform': figure([r['transform'] for r in runs]),
            'scrub': figure([r['scrub'] for r in runs]),
            'exit_json': figure([r['exit_json'] for r in runs]),
        }
        log('  module process %7s orders (%d runs): peak RSS %.0f MiB, result %.1f MiB, wall %.2f s '
            '(fetch %.2f, transform %.2f, exit_json %.2f of which no_log scrub %.2f)' % (
                '{:,}'.format(size), len(runs), memory[str(size)]['max_rss_mib'], memory[str(size)]['result_mib'],
                memory[str(size)]['wall']['median'], memory[str(size)]['fetch']['median'],
                memory[str(size)]['transform']['median'], memory[str(size)]['exit_json']['median'],
                memory[str(size)]['scrub']['median']))
    sizes = [s for s in (1_000, 10_000, 100_000) if str(s) in memory]
    if len(sizes) == 3:
        rss = [memory[str(s)]['max_rss_mib'] for s in sizes]
        low = (rss[1] - rss[0]) / (sizes[1] - sizes[0])
        high = (rss[2] - rss[1]) / (sizes[2] - sizes[1])
        memory['kib_per_order_1k_10k'] = round(low * 1024, 2)
        memory['kib_per_order_10k_100k'] = round(high * 1024, 2)
        memory['slope_ratio'] = round(high / low, 2) if low > 0 else None
    result['memory'] = memory


def measure_processes(runner, emulator, workdir, settings, api_orders, phone_numbers, result, shared):
    """2 and 3: ansible-playbook with the module, verify_numbers, and the plain boto3 process."""
    emulator.serve(E2E_ORDERS)
    playbook = workdir / 'listing.yml'
    playbook.write_text(PLAYBOOK_LISTING)
    floor_playbook = workdir / 'floor.yml'
    floor_playbook.write_text(PLAYBOOK_FLOOR)
    common = ['-e', 'bench_endpoint_url=%s' % emulator.url]
    expected = expected_numbers(phone_numbers, EXPECTED_NUMBERS)
    verify_vars = workdir / 'verify-vars.json'
    reports = workdir / 'reports'
    verify_vars.write_text(json.dumps({
        'assert_numbers_acquired_expected': expected,
        'assert_numbers_acquired_endpoint_url': emulator.url,
        'assert_numbers_acquired_report_dir': str(reports),
    }))
    trivial_vars = workdir / 'trivial-vars.json'
    trivial_vars.write_text(json.dumps({'bench_order_ids': [api_orders[0]['PhoneNumberOrderId']]}))

    def boto3_process():
        seconds, proc = runner.run([sys.executable, PERF_DIR / 'plain_boto3_loop.py', '--endpoint-url', emulator.url])
        if not proc.stdout.decode().startswith('%d orders' % E2E_ORDERS):
            raise BenchError('plain boto3 loop printed %r' % proc.stdout[:200])
        return seconds

    def playbook_run(include_orders, extra=()):
        return runner.run(['ansible-playbook', playbook] + common + ['-e', 'bench_include_orders=%s' % include_orders]
                          + list(extra))[0]

    def verify():
        shutil.rmtree(reports, ignore_errors=True)
        seconds, dummy = runner.run(['ansible-playbook', 'voiceops.chime.verify_numbers', '-e', '@%s' % verify_vars])
        report = json.loads((reports / 'report.json').read_text())
        timing = report.get('timing') or {}
        checks.append(report)
        judge.append(timing.get('judge_seconds'))
        listing.append(timing.get('listing_seconds'))
        return seconds

    def module_run():
        module_stats.append(module_process(runner, emulator, workdir, 'module-e2e', {}))
        return module_stats[-1]['wall']

    checks, judge, listing, module_stats = [], [], [], []
    variants = {
        'boto3_process': boto3_process,
        'playbook_floor': lambda: runner.run(['ansible-playbook', floor_playbook])[0],
        'startup': lambda: playbook_run(True, ['-e', '@%s' % trivial_vars]),
        'playbook_full': lambda: playbook_run(True),
        'playbook_lean': lambda: playbook_run(False),
        'verify_numbers': verify,
        'module_process': module_run,
    }
    samples = {name: [] for name in variants}
    for dummy in range(settings['reps']):
        for name, func in variants.items():
            samples[name].append(func())
    shared.setdefault('module_runs', {})[E2E_ORDERS] = module_stats
    counts = checks[-1].get('counts') if checks else None
    passed = checks[-1].get('passed') if checks else None

    boto3_median = median(samples['boto3_process'])
    fetch = median([s['fetch'] for s in module_stats])
    transform = median([s['transform'] for s in module_stats])
    exit_json = median([s['exit_json'] for s in module_stats])
    scrub = median([s['scrub'] for s in module_stats])
    full = median(samples['playbook_full'])
    startup = median(samples['startup'])
    result['playbook'] = {
        'orders': E2E_ORDERS,
        'reps': settings['reps'],
        'boto3_process': figure(samples['boto3_process']),
        'playbook_full': figure(samples['playbook_full']),
        'playbook_lean': figure(samples['playbook_lean']),
        'startup': figure(samples['startup']),
        'playbook_floor': figure(samples['playbook_floor']),
        'module_process': figure(samples['module_process']),
        'breakdown': {
            'startup': round(startup, 3),
            'fetch': round(fetch, 3),
            'transform': round(transform, 3),
            'serialisation': round(exit_json, 3),
            'serialisation_no_log_scrub': round(scrub, 3),
            'controller': round(full - startup - fetch - transform - exit_json, 3),
        },
        'result_mib': round(module_stats[-1]['result_bytes'] / 2 ** 20, 2),
        'full_over_boto3': ratio(full, boto3_median),
        'lean_over_boto3': ratio(median(samples['playbook_lean']), boto3_median),
    }
    result['verify_numbers'] = {
        'orders': E2E_ORDERS,
        'expected': EXPECTED_NUMBERS,
        'reps': settings['reps'],
        'seconds': figure(samples['verify_numbers']),
        'listing_seconds_in_role': figure([s for s in listing if s is not None]),
        'judge_seconds_in_role': figure([s for s in judge if s is not None]),
        'passed': passed,
        'counts': counts,
        'over_boto3': ratio(median(samples['verify_numbers']), boto3_median),
        'playbook_floor_over_boto3': ratio(median(samples['playbook_floor']), boto3_median),
    }
    b = result['playbook']['breakdown']
    log('  ansible-playbook with one debug task (the floor of any playbook) %.2f s' % median(samples['playbook_floor']))
    log('  plain boto3 loop process %.2f s; ansible-playbook full facts %.2f s (%.2fx), include_orders=false %.2f s '
        '(%.2fx); result %.1f MiB' % (boto3_median, full, result['playbook']['full_over_boto3'],
                                      median(samples['playbook_lean']), result['playbook']['lean_over_boto3'],
                                      result['playbook']['result_mib']))
    log('    breakdown: start-up %.2f, fetch %.2f, transform %.2f, serialisation %.2f (no_log scrub %.2f), '
        'controller %.2f' % (b['startup'], b['fetch'], b['transform'], b['serialisation'],
                             b['serialisation_no_log_scrub'], b['controller']))
    log('  verify_numbers %.2f s (%.2fx the boto3 process); in the role: listing %s s, judge %s s; passed=%s' % (
        median(samples['verify_numbers']), result['verify_numbers']['over_boto3'],
        result['verify_numbers']['listing_seconds_in_role']['median'],
        result['verify_numbers']['judge_seconds_in_role']['median'], passed))


# --------------------------------------------------------------------------- 4. the judge


PLAYBOOK_JUDGE_HEAD = """\
# The judge step as a user writes it with the filter, and the obvious hand-written check (one
# assert per number, each a dictionary lookup), after one listing. Each round times both, so
# the listing and the start-up are paid once. tests/perf/bench_judge.py measures the same steps
# on their own.
- name: Judge with the filter, then with a looped assert
  hosts: localhost
  gather_facts: false
  tasks:
    - name: List the latest status of every number
      voiceops.chime.chime_phone_number_order_info:
        endpoint_url: "{{ bench_endpoint_url }}"
        include_orders: false
      register: bench_listing

    - name: Index the statuses by number
      ansible.builtin.set_fact:
        bench_status_by_number: "{{ bench_listing.phone_numbers | items2dict(key_name='e164_phone_number', value_name='status') }}"
"""

PLAYBOOK_JUDGE_ROUND = """
    - name: Start the clock ({round})
      ansible.builtin.set_fact:
        bench_started: "{{{{ now(utc=true).timestamp() }}}}"

    - name: Judge every expected number with the filter ({round})
      ansible.builtin.set_fact:
        bench_verdict: "{{{{ bench_listing.phone_numbers | voiceops.chime.number_compliance(bench_expected) }}}}"

    - name: Stop the clock ({round})
      ansible.builtin.debug:
        msg: "BENCH_FILTER_SECONDS={{{{ now(utc=true).timestamp() - bench_started | float }}}} passed={{{{ bench_verdict.passed }}}}"

    - name: Start the clock again ({round})
      ansible.builtin.set_fact:
        bench_started: "{{{{ now(utc=true).timestamp() }}}}"

    - name: Assert each expected number ({round})
      ansible.builtin.assert:
        that: (bench_status_by_number[item] | default('missing')) == 'Acquired'
        quiet: true
      loop: "{{{{ bench_expected[:bench_loop_numbers | int] }}}}"

    - name: Stop the clock again ({round})
      ansible.builtin.debug:
        msg: "BENCH_LOOP_SECONDS={{{{ now(utc=true).timestamp() - bench_started | float }}}}"
"""


def measure_judge(runner, emulator, workdir, settings, phone_numbers, result):
    """4. The judge alone (pure function; the role's step comes from measure_processes) vs a looped assert."""
    from ansible_collections.voiceops.chime.plugins.module_utils.compliance import (  # pylint: disable=import-outside-toplevel
        number_compliance)

    expected = expected_numbers(phone_numbers, EXPECTED_NUMBERS)
    pure = []
    for dummy in range(max(settings['reps'], 5)):
        seconds, judged = timed_call(lambda: number_compliance(phone_numbers, expected))
        pure.append(seconds)
    if not judged.get('passed'):
        raise BenchError('the judge did not pass the all-acquired expected list: %s' % judged.get('message'))

    emulator.serve(E2E_ORDERS)
    playbook = workdir / 'judge.yml'
    playbook.write_text(PLAYBOOK_JUDGE_HEAD + ''.join(
        PLAYBOOK_JUDGE_ROUND.format(round=number + 1) for number in range(settings['reps'])))
    judge_vars = workdir / 'judge-vars.json'
    count = settings['loop_numbers']
    judge_vars.write_text(json.dumps({'bench_expected': expected, 'bench_loop_numbers': count,
                                      'bench_endpoint_url': emulator.url}))
    dummy, proc = runner.run(['ansible-playbook', playbook, '-e', '@%s' % judge_vars])
    stdout = proc.stdout.decode('utf-8', 'replace')
    loop = [float(value) for value in re.findall(r'BENCH_LOOP_SECONDS=([0-9.]+)', stdout)]
    filter_step = [float(value) for value in re.findall(r'BENCH_FILTER_SECONDS=([0-9.]+) passed=True', stdout)]
    if len(loop) != settings['reps'] or len(filter_step) != settings['reps']:
        raise BenchError('the judge playbook printed %d loop and %d passing filter timings, not %d each'
                         % (len(loop), len(filter_step), settings['reps']))

    role_judge = (result.get('verify_numbers') or {}).get('judge_seconds_in_role', {}).get('median')
    loop_per_number = median(loop) / count
    judge = {
        'expected': EXPECTED_NUMBERS,
        'ordered_numbers': len(phone_numbers),
        'pure_function': figure(pure),
        'filter_step': figure(filter_step),
        'role_step': role_judge,
        'looped_assert_numbers': count,
        'looped_assert': figure(loop),
        'looped_assert_per_number': round(loop_per_number, 6),
    }
    # The targets use the slower of the two judge steps a user meets: the filter in a playbook
    # and the role's (inside its action, from report.json).
    steps = {'filter step': median(filter_step)}
    if role_judge is not None:
        steps['role step'] = role_judge
    source = max(steps, key=steps.get)
    judge_seconds = steps[source]
    judge['judge_seconds_for_targets'] = round(judge_seconds, 4)
    judge['judge_source'] = source
    judge['per_number_speedup'] = round(loop_per_number / (judge_seconds / EXPECTED_NUMBERS), 1)
    result['judge'] = judge
    log('  judge 10,000 expected vs %d ordered: filter step %.3f s, role step %s s, pure function %.3f s; looped '
        'assert %d numbers %.2f s (%.1f ms/number) -> %.0fx faster per number' % (
            len(phone_numbers), statistics.median(filter_step), role_judge, statistics.median(pure), count,
            statistics.median(loop),
            loop_per_number * 1000, judge['per_number_speedup']))


# --------------------------------------------------------------------------- 5. inventory


def measure_inventory(runner, emulator, workdir, root, settings, result):
    plugin = root / 'ansible_collections' / 'voiceops' / 'chime' / 'plugins' / 'inventory' / 'chime_phone_numbers.py'
    if not plugin.exists():
        result['inventory'] = None
        log('  ansible-inventory: n/a (voiceops.chime.chime_phone_numbers is not in this collection)')
        return
    emulator.serve(E2E_ORDERS)
    cache = workdir / 'inventory-cache'
    config = workdir / 'bench.chime_phone_numbers.yml'
    config.write_text('\n'.join([
        'plugin: voiceops.chime.chime_phone_numbers',
        'endpoint_url: %s' % emulator.url,
        'cache: true',
        'cache_plugin: ansible.builtin.jsonfile',
        'cache_connection: %s' % cache,
        'cache_timeout: 86400',
        '',
    ]))
    listed = workdir / 'inventory-list.json'
    # A listing that fails must fail the command, not leave an empty inventory to time.
    strict = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true', 'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'}

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        return runner.run(['ansible-inventory', '-i', config, '--list'], stdout_path=listed, env=strict)[0]

    def cached():
        return runner.run(['ansible-inventory', '-i', config, '--list'], stdout_path=listed, env=strict)[0]

    cold()
    plugin_hosts = static_inventory(listed, workdir / 'static.yml')
    static_path = workdir / 'static.yml'

    def static():
        return runner.run(['ansible-inventory', '-i', static_path, '--list'], stdout_path=listed, env=strict)[0]

    samples = {'cold': [], 'cached': [], 'static': []}
    for dummy in range(settings['reps']):
        for name, func in (('cold', cold), ('cached', cached), ('static', static)):
            samples[name].append(func())
    static_hosts = len(json.loads(listed.read_text())['_meta']['hostvars'])
    if static_hosts != plugin_hosts:
        raise BenchError('the static inventory has %d hosts, the plugin %d' % (static_hosts, plugin_hosts))
    inventory = {name: figure(values) for name, values in samples.items()}
    inventory.update(orders=E2E_ORDERS, hosts=plugin_hosts, reps=settings['reps'],
                     cached_over_static=ratio(inventory['cached']['median'], inventory['static']['median']),
                     cold_over_static=ratio(inventory['cold']['median'], inventory['static']['median']))
    result['inventory'] = inventory
    log('  ansible-inventory --list, %d hosts: cold %.2f s, cached %.2f s, static YAML %.2f s (cached = %.2fx static)'
        % (plugin_hosts, inventory['cold']['median'], inventory['cached']['median'], inventory['static']['median'],
           inventory['cached_over_static']))


def static_inventory(listed, path):
    """Write the plugin's --list output as a static inventory file (same hosts, vars, groups); return host count.

    The file is what the ``yaml`` inventory plugin reads, written in JSON syntax (JSON is YAML):
    Ansible's loader tries JSON first, and that is the fastest static form by far. In block-style
    YAML the same 30,000 hosts took 358 s on ansible-core 2.21 (the loader tags and deep-copies
    every scalar), too slow to repeat and a baseline no one should have to beat.
    """
    listing = json.loads(listed.read_text())
    hostvars = listing.get('_meta', {}).get('hostvars', {})
    children = {}
    for name, group in listing.items():
        if name in ('_meta', 'all', 'ungrouped') or not isinstance(group, dict) or not group.get('hosts'):
            continue
        children[name] = {'hosts': {host: None for host in group['hosts']}}
    document = {'all': {'hosts': hostvars, 'children': children}}
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(document, handle, indent=1)
    return len(hostvars)


# --------------------------------------------------------------------------- targets and tables


def verdict(ok):
    if ok is None:
        return 'n/a'
    return 'PASS' if ok else 'MISS'


def evaluate_targets(result):
    targets = []

    def add(key, measured, ok):
        targets.append({'id': key, 'target': TARGET_TEXT[key], 'measured': measured, 'verdict': verdict(ok)})

    listing = (result.get('listing') or {}).get(str(E2E_ORDERS))
    if listing:
        add('listing_vs_boto3', '%.1fx faster' % listing['boto3_over_ours'], listing['boto3_over_ours'] >= 4)
        add('listing_vs_floor', '%.1fx the floor' % listing['ours_over_floor'], listing['ours_over_floor'] <= 5)
    verify = result.get('verify_numbers')
    if verify and verify.get('over_boto3'):
        add('verify_vs_boto3', '%.2fx' % verify['over_boto3'], verify['over_boto3'] <= 1.0)
    playbook = result.get('playbook')
    if playbook and playbook.get('full_over_boto3'):
        add('playbook_vs_boto3', '%.2fx' % playbook['full_over_boto3'], playbook['full_over_boto3'] <= 1.5)
    judge = result.get('judge')
    if judge:
        add('judge_per_number', '%.0fx faster (%s)' % (judge['per_number_speedup'], judge['judge_source']),
            judge['per_number_speedup'] >= 50)
        if judge.get('role_step') is not None:
            add('judge_seconds_role', '%.3f s' % judge['role_step'], judge['role_step'] < 1.0)
        add('judge_seconds_filter', '%.3f s' % judge['filter_step']['median'], judge['filter_step']['median'] < 1.0)
    if 'inventory' in result:
        inventory = result['inventory']
        if inventory is None:
            add('inventory_cached', 'n/a (plugin not present)', None)
        else:
            add('inventory_cached', '%.2fx' % inventory['cached_over_static'], inventory['cached_over_static'] <= 1.5)
    memory = result.get('memory') or {}
    if memory.get('slope_ratio') is not None:
        add('memory_linear', '%.1f then %.1f KiB/order (ratio %.2f)' % (
            memory['kib_per_order_1k_10k'], memory['kib_per_order_10k_100k'], memory['slope_ratio']),
            memory['slope_ratio'] <= 1.5)
    elif memory:
        add('memory_linear', 'n/a (needs 1,000/10,000/100,000)', None)
    if '100000' in memory:
        add('memory_100k', '%.0f MiB' % memory['100000']['max_rss_mib'], memory['100000']['max_rss_mib'] * 2 ** 20 < GIB)
    elif memory:
        add('memory_100k', 'n/a (quick run)', None)
    result['targets'] = targets
    return targets


def _s(value, digits=2):
    return '—' if value is None else ('%.*f s' % (digits, value))


def table_rows(result):
    """(measurement, ours, compared with, ratio) rows for one lane."""
    rows = []
    for size, entry in sorted((result.get('listing') or {}).items(), key=lambda item: int(item[0])):
        label = '1. listing %s orders (%d pages), in process, %s runs' % ('{:,}'.format(int(size)), entry['pages'],
                                                                          reps_text(entry['reps']))
        rows.append((label, _s(entry['ours']['median'], 3), 'plain boto3 loop ' + _s(entry['boto3_loop']['median'], 3),
                     '%.1fx faster' % entry['boto3_over_ours']))
        rows.append(('', '', 'stdlib floor ' + _s(entry['floor']['median'], 3),
                     '%.1fx the floor' % entry['ours_over_floor']))
    playbook = result.get('playbook')
    if playbook:
        b = playbook['breakdown']
        boto3_text = 'boto3 loop process ' + _s(playbook['boto3_process']['median'])
        rows.append(('2. ansible-playbook, module, full facts, 10,000 (%.1f MiB result)' % playbook['result_mib'],
                     _s(playbook['playbook_full']['median']), boto3_text, '%.2fx' % playbook['full_over_boto3']))
        breakdown = ('   breakdown: start-up %.2f + fetch %.2f + transform %.2f + serialisation %.2f '
                     '(no_log scrub %.2f) + controller %.2f' % (
                         b['startup'], b['fetch'], b['transform'], b['serialisation'],
                         b['serialisation_no_log_scrub'], b['controller']))
        rows.append((breakdown, '', '', ''))
        rows.append(('   same, include_orders: false (what the role asks for)', _s(playbook['playbook_lean']['median']),
                     boto3_text, '%.2fx' % playbook['lean_over_boto3']))
    verify = result.get('verify_numbers')
    if verify:
        rows.append(('3. verify_numbers, 10,000 orders / 10,000 expected, reports',
                     _s(verify['seconds']['median']), 'boto3 loop process ' + _s(playbook['boto3_process']['median'])
                     if playbook else '', '%.2fx' % verify['over_boto3']))
        if playbook and 'playbook_floor' in playbook:
            rows.append(('   any playbook: start-up + one debug task', _s(playbook['playbook_floor']['median']),
                         'boto3 loop process ' + _s(playbook['boto3_process']['median']),
                         '%.2fx' % verify['playbook_floor_over_boto3']))
    judge = result.get('judge')
    if judge:
        rows.append(('4. judge, 10,000 expected vs %s ordered: filter in a playbook' % '{:,}'.format(
            judge['ordered_numbers']), _s(judge['filter_step']['median'], 3), 'looped assert %s numbers %s' % (
                '{:,}'.format(judge['looped_assert_numbers']), _s(judge['looped_assert']['median'])),
            '%.0fx faster per number' % judge['per_number_speedup']))
        rows.append(('   judge inside the role (report.json)', _s(judge['role_step'], 3),
                     '%.1f ms per number looped' % (judge['looped_assert_per_number'] * 1000), ''))
        rows.append(('   judge as a pure function', _s(judge['pure_function']['median'], 3), '', ''))
    if 'inventory' in result:
        inventory = result['inventory']
        if inventory is None:
            rows.append(('5. ansible-inventory --list, 10,000 orders', 'n/a', 'static YAML', 'n/a'))
        else:
            rows.append(('5. ansible-inventory --list, %s hosts, cached' % '{:,}'.format(inventory['hosts']),
                         _s(inventory['cached']['median']), 'static inventory ' + _s(inventory['static']['median']),
                         '%.2fx' % inventory['cached_over_static']))
            rows.append(('   cold (lists 10,000 orders)', _s(inventory['cold']['median']),
                         'static inventory ' + _s(inventory['static']['median']), '%.2fx' % inventory['cold_over_static']))
    memory = result.get('memory') or {}
    for size in ('1000', '10000', '100000'):
        if size in memory:
            entry = memory[size]
            rows.append(('6. module process peak RSS, %s orders, full facts' % '{:,}'.format(int(size)),
                         '%.0f MiB' % entry['max_rss_mib'], 'result %.1f MiB, wall %s' % (
                             entry['result_mib'], _s(entry['wall']['median'])), ''))
    return rows


def header_line(lane, result):
    env = result.get('environment', {})
    pages = result.get('emulator', {}).get('pages_per_second', {})
    return ('lane %s: Python %s, ansible-core %s, amazon.aws %s, botocore %s, %s, commit %s; %s CPUs, load %s -> %s; '
            'emulator alone: %s' % (
                lane, env.get('python'), env.get('ansible_core'), env.get('amazon_aws'), env.get('botocore'),
                env.get('collection'), env.get('commit'), env.get('cpus'), result.get('load_before'), result.get('load_after'),
                ', '.join('%s pages/s at %s orders' % ('{:,}'.format(rate), '{:,}'.format(int(size)))
                          for size, rate in pages.items()) or '—'))


def print_table(lane, result):
    rows = table_rows(result)
    log('')
    log(header_line(lane, result))
    widths = [max([len(r[i]) for r in rows] + [10]) for i in range(4)]
    widths[0] = min(widths[0], 72)
    log('  %-*s  %-*s  %-*s  %s' % (widths[0], 'measurement', widths[1], 'ours', widths[2], 'compared with', 'ratio'))
    for row in rows:
        if len(row[0]) > widths[0] and not any(row[1:]):
            log('  ' + row[0])
            continue
        log('  %-*s  %-*s  %-*s  %s' % (widths[0], row[0], widths[1], row[1], widths[2], row[2], row[3]))
    log('')
    title = 'targets (issue 5%s)' % (
        '' if lane == TARGET_LANE else '; set for the %s lane, shown here for reference' % TARGET_LANE)
    log('  ' + title)
    for target in result.get('targets', []):
        log('  %-4s  %-78s  %s' % (target['verdict'], target['target'], target['measured']))
    for error in result.get('errors', []):
        log('  ERROR %s' % error.splitlines()[0])


def markdown(results):
    lines = []
    for lane, result in results.get('lanes', {}).items():
        lines.append('### Lane %s' % lane)
        lines.append('')
        lines.append(header_line(lane, result).split(': ', 1)[1] + '.')
        lines.append('')
        lines.append('| measurement | ours | compared with | ratio |')
        lines.append('|---|---|---|---|')
        for row in table_rows(result):
            lines.append('| %s |' % ' | '.join(cell.strip() for cell in row))
        lines.append('')
        lines.append('| target | measured | verdict |')
        lines.append('|---|---|---|')
        for target in result.get('targets', []):
            lines.append('| %s | %s | %s |' % (target['target'], target['measured'], target['verdict']))
        lines.append('')
    return '\n'.join(lines)


# --------------------------------------------------------------------------- running a lane


def run_lane_here(lane, settings, keep, only=None):
    lane_root = collections_root()
    workdir = Path(tempfile.mkdtemp(prefix='voiceops-bench-%s-' % lane))
    root = private_collections_root(lane_root, workdir)
    for path in (str(root), str(PERF_DIR), str(EMULATOR_SCRIPT.parent)):
        if path not in sys.path:
            sys.path.insert(0, path)
    result = {'lane': lane, 'environment': environment(root), 'quick': settings is QUICK,
              'load_before': load_average(), 'errors': [], 'started': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    log('==> bench on lane %s (%s)' % (lane, sys.executable))
    started = time.monotonic()
    emulator = None
    try:
        emulator = Emulator(workdir)
        runner = Runner(workdir, root)
        # The in-process clients of measurement 1 read the same fake credentials as the commands.
        for name in AWS_VARS_TO_CLEAR:
            os.environ.pop(name, None)
        os.environ.update({k: v for k, v in runner.env.items() if k.startswith('AWS_')})
        api_orders, phone_numbers = bench_data(root, E2E_ORDERS)
        shared = {}
        steps = [step for step in (
            ('listing', lambda: measure_listing(emulator, settings, result)),
            ('playbook/verify_numbers', lambda: measure_processes(runner, emulator, workdir, settings, api_orders,
                                                                  phone_numbers, result, shared)),
            ('judge', lambda: measure_judge(runner, emulator, workdir, settings, phone_numbers, result)),
            ('inventory', lambda: measure_inventory(runner, emulator, workdir, root, settings, result)),
            ('memory', lambda: measure_module_memory(runner, emulator, workdir, settings, result, shared)),
        ) if only is None or step[0].split('/', maxsplit=1)[0] in only]
        for name, step in steps:
            step_started = time.monotonic()
            try:
                step()
            except Exception as error:  # pylint: disable=broad-exception-caught
                # One broken measurement must not hide the others: record it, go on, exit non-zero.
                result['errors'].append('%s: %s' % (name, error))
                log('  %s FAILED: %s' % (name, error))
                if not isinstance(error, BenchError):
                    traceback.print_exc()
            log('  (%s took %.0f s)' % (name, time.monotonic() - step_started))
    finally:
        if emulator is not None:
            emulator.stop()
        if keep:
            log('  work directory kept: %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result['load_after'] = load_average()
    result['seconds'] = round(time.monotonic() - started, 1)
    evaluate_targets(result)
    print_table(lane, result)
    log('  (lane %s: %.0f s)' % (lane, result['seconds']))
    return result


def run_lane_elsewhere(lane, args):
    """Another lane runs in its own nox session (its venv, its collections root), not from here."""
    del args
    return {'lane': lane, 'errors': ['run the %s lane with `nox -s bench-%s` (make bench runs both)' % (lane, lane)],
            'targets': []}


def write_results(path, lane_results):
    existing = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except ValueError:
            existing = {}
    lanes = dict(existing.get('lanes') or {})
    lanes.update(lane_results)
    document = {
        'generated_by': 'tests/perf/bench.py (make bench)',
        'method': 'medians of interleaved runs against one emulator process; seconds unless named otherwise; '
                  'samples listed with every median',
        'lanes': {lane: lanes[lane] for lane in sorted(lanes, key=lambda name: (name != TARGET_LANE, name))},
    }
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + '\n')
    log('results written to %s' % path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--lanes', default=os.environ.get('VOICEOPS_CHIME_LANE') or ','.join(LANES),
                        help='comma-separated lanes to run (default: %(default)s)')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 1,000 and 10,000 orders, one repetition, a 100-number looped assert; '
                             'results.json is not written unless --output is given')
    parser.add_argument('--output', help='where to write the results (default: tests/perf/results.json for a full '
                                         'run; "-" writes nothing)')
    parser.add_argument('--keep', action='store_true', help='keep the work directories')
    parser.add_argument('--only', help='comma-separated subset of: listing, playbook (with verify_numbers), judge, '
                                       'inventory, memory (results.json is then not written unless --output is given)')
    parser.add_argument('--markdown', action='store_true', help='print results.json as markdown tables and exit')
    parser.add_argument('--lane-result', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.markdown:
        print(markdown(json.loads(RESULTS_PATH.read_text())))
        return 0
    lanes = [lane.strip() for lane in args.lanes.split(',') if lane.strip()]
    unknown = [lane for lane in lanes if lane not in LANES]
    if unknown:
        log('unknown lane(s): %s (known: %s)' % (', '.join(unknown), ', '.join(LANES)))
        return 2
    settings = QUICK if args.quick else FULL
    only = set(part.strip() for part in args.only.split(',')) if args.only else None
    here = lane_of_this_interpreter()
    results = {}
    for lane in lanes:
        if lane == here and os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
            try:
                results[lane] = run_lane_here(lane, settings, args.keep, only)
            except BenchError as error:
                log('error: %s' % error)
                results[lane] = {'lane': lane, 'errors': [str(error)], 'targets': []}
        else:
            results[lane] = run_lane_elsewhere(lane, args)
    if args.lane_result:
        Path(args.lane_result).write_text(json.dumps(results[lanes[0]]))
        return 1 if results[lanes[0]].get('errors') else 0

    if len(lanes) > 1:
        log('')
        log('summary (targets are set for the %s lane)' % TARGET_LANE)
        for lane in lanes:
            for target in results[lane].get('targets', []):
                log('  %-8s %-4s  %-78s  %s' % (lane, target['verdict'], target['target'], target['measured']))
    output = args.output or (None if args.quick or only else str(RESULTS_PATH))
    if output and output != '-':
        write_results(Path(output).resolve(), {lane: r for lane, r in results.items() if 'environment' in r})
    return 1 if any(r.get('errors') for r in results.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
