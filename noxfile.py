"""voiceops.chime's nox sessions (CONTRIBUTING.md explains them): antsibull-nox's, configured in
antsibull-nox.toml, and below the ones it has no equivalent for."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import antsibull_nox
import nox
from antsibull_nox.sessions import prepare_collections

ROOT = Path(__file__).resolve().parent
CACHE = ROOT / ".nox" / ".cache" / "voiceops"
JUNIT_DIR = ROOT / "tests" / "output" / "pytest"
TOOLS = ("-c", "tests/lanes/tools.txt")  # the tool pins, as pip constraints
# lane: (Python, the `ansible` wheel that carries its amazon.aws, antsibull-nox's ansible-core key)
LANES = {
    "current": ("3.13", "14.5.0", "2.21"),
    "oldest": ("3.11", "12.3.0", "2.17"),
    "floors": ("3.11", "12.3.0", "2.17"),  # oldest, with boto3/botocore at requirements.txt's floors
}
WHEEL_COLLECTIONS = ("amazon.aws", "ansible.posix")  # ansible.posix: the tests' json stdout callback
OUT_OF_TREE = dict(install_in_site_packages=False, install_out_of_tree=True)  # for prepare_collections

# uv (tests/lanes/nox.txt) creates the venvs and installs into them: about a tenth of pip's CPU time
# per session, which on CI's 2 cores is minutes. It compiles bytecode at install, as pip does, so
# that no ansible-core import compiles at run time. ansible-test's sessions keep virtualenv (below).
nox.options.default_venv_backend = "uv"
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
os.environ["UV_PYTHON_DOWNLOADS"] = "never"  # only this machine's interpreters, as with nox's own option
nox.options.download_python = "never"
nox.options.reuse_venv = "yes"
# Safe because sessions share nothing they write: each has its own venv and collections root,
# ansible-test its own HOME, and the collections session fills antsibull-nox's cache before them.
nox.options.allow_parallel = True
# nox looks for python3.X on PATH, where pyenv's shims run only pyenv's active versions: add the
# bin directory of every installed pyenv version after them.
PYENV_BINS = glob.glob(os.path.join(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")), "versions/*/bin"))
os.environ["PATH"] = os.pathsep.join([os.environ.get("PATH", ""), *sorted(PYENV_BINS)])
# Only the tarballs named in antsibull-nox.toml, never collections installed on the machine.
os.environ["ANTSIBULL_NOX_IGNORE_INSTALLED_COLLECTIONS"] = "true"
# Collections under .nox sit inside this repo, where git would call their files ignored (none).
os.environ["GIT_CEILING_DIRECTORIES"] = str(ROOT / ".nox")


def wheel_tarballs(session, wheel_version):
    """amazon.aws and ansible.posix as tarballs with members at the top, from the `ansible` wheel on PyPI
    (Galaxy is out of reach). Written under a temporary name and renamed, for parallel sessions."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wheel = CACHE / f"ansible-{wheel_version}-py3-none-any.whl"
    if not wheel.exists():
        download = Path(session.create_tmp()) / "wheel"
        # nox's own Python has pip; uv venvs have none, and uv has no download command.
        pip = [sys.executable, *"-m pip download --no-deps --only-binary=:all: --python-version 3.13 -d".split()]
        session.run_install(*pip, str(download), f"ansible=={wheel_version}", silent=True, external=True)
        os.replace(download / wheel.name, wheel)
    tarballs = []
    with zipfile.ZipFile(wheel) as archive:
        for fqcn in WHEEL_COLLECTIONS:
            prefix = "ansible_collections/%s/" % fqcn.replace(".", "/")
            version = json.loads(archive.read(prefix + "MANIFEST.json"))["collection_info"]["version"]
            tarball = CACHE / f"{fqcn.replace('.', '-')}-{version}.tar.gz"
            if not tarball.exists():
                partial = tarball.with_suffix(f".{os.getpid()}")
                with tarfile.open(partial, "w:gz") as out:
                    for member in archive.infolist():
                        if member.filename.startswith(prefix) and not member.is_dir():
                            info = tarfile.TarInfo(member.filename[len(prefix) :])
                            info.size, info.mode = member.file_size, 0o644
                            out.addfile(info, archive.open(member))
                os.replace(partial, tarball)
            tarballs.append(tarball)
    return tarballs


def collections_root(session, lane, ours):
    """A collections root of the session's own: the lane's amazon.aws and ansible.posix, and voiceops.chime
    as the freshly built tarball (ours="tarball", as users get it) or as a link to the work tree ("tree")."""
    root = Path(session.virtualenv.location) / "collections"
    shutil.rmtree(root, ignore_errors=True)
    # Unpacked: the wheel lacks files that their FILES.json lists, which ansible-galaxy would refuse.
    for tarball in wheel_tarballs(session, LANES[lane][1]):
        with tarfile.open(tarball) as archive:
            archive.extractall(root / "ansible_collections" / "/".join(tarball.name.split("-")[:2]), filter="data")
    if ours == "tarball":
        dist = Path(session.create_tmp()) / "dist"
        shutil.rmtree(dist, ignore_errors=True)
        session.run("ansible-galaxy", "collection", "build", ROOT, "--output-path", dist, silent=True)
        # --offline: our dependency on amazon.aws must be met by the copy above, never by Galaxy.
        session.run(
            *"ansible-galaxy collection install --offline -p".split(), root, *dist.glob("*.tar.gz"), silent=True
        )
    elif ours == "tree":
        (root / "ansible_collections" / "voiceops").mkdir(parents=True, exist_ok=True)
        (root / "ansible_collections" / "voiceops" / "chime").symlink_to(ROOT)
    return root


@nox.session(python="3.13")
def collections(session):
    """Build amazon.aws/ansible.posix tarballs from the `ansible` wheels; fill antsibull-nox's cache."""
    session.install("ansible-core", *TOOLS)
    for dummy, wheel_version, dummy in LANES.values():
        wheel_tarballs(session, wheel_version)
    # Each ansible-core key extracts here once, so that parallel sessions never extract into one place.
    for core in ("devel", "2.21", "2.17"):
        prepare_collections(session, ansible_core_version=core, **OUT_OF_TREE)


def check_floor_pins(session):
    """The floors lane must pin exactly the floors that requirements.txt declares."""
    pattern = r"(?m)^([A-Za-z0-9_.-]+)\s*%s\s*([0-9][^\s,;#]*)"
    floors = dict(re.findall(pattern % ">=", (ROOT / "requirements.txt").read_text()))
    pins = dict(re.findall(pattern % "==", (ROOT / "tests/lanes/floors.txt").read_text()))
    if any(pins.get(name) != version for name, version in floors.items()):
        session.error(f"tests/lanes/floors.txt pins {pins}, requirements.txt's floors are {floors}")


# The fault cases that depend on ansible-core or amazon.aws (templating of untrusted data, output and
# no_log, the inventory cache, a killed run, argument validation, TLS): the oldest lane runs these.
# The others drive the listing layer (retries, pagination, service errors, credentials, and the same
# faults on ListPhoneNumbers), which is the same Python and the same loop on every lane; the current
# lane runs every case, and integration-oldest runs throttling, denial, broken pages, timeouts and
# current state through the module, the role and the inventory on 2.17.
FAULTS_CORE_SENSITIVE = (
    "tests/faults/test_untrusted_data.py",
    "tests/faults/test_secrets.py",
    "tests/faults/test_inventory_cache.py",
    # Whether a killed controller or worker can still write reports depends on ansible-core's process
    # model; the other report cases are our action plugins' file handling, and integration-oldest
    # writes, replaces and refuses reports through the role on 2.17.
    "tests/faults/test_reports.py::test_a_killed_run_never_writes_reports_afterwards",
    "tests/faults/test_bad_input.py",
    "tests/faults/test_security_defaults.py",  # TLS checks are amazon.aws's, whose version differs by lane
)


def add_pytest_session(name, lane, suites, marker):
    python, dummy, core = LANES[lane]
    if lane == "floors":  # the emulator's model checks need the current model (pytest.ini: newest_model)
        marker += " and not newest_model"
    paths = [f"tests/{suite}" for suite in suites]

    # The documentation's examples install requirements with `python3 -m pip`, as users do: that
    # session's venv gets pip (uv venvs have none unless seeded).
    seed = ["--seed"] if suites == ("docs",) else []

    @nox.session(name=name, python=python, default=lane != "floors" and marker != "slow", venv_params=seed)
    def run(session):
        if lane == "floors":
            check_floor_pins(session)
        session.install("-r", f"tests/lanes/{lane}.txt")
        # Unit tests import the work tree; integration and faults test the tarball users install.
        root = collections_root(session, lane, "tree" if suites == ("unit",) else "tarball")
        junit = JUNIT_DIR / f"{name}.xml"
        junit.unlink(missing_ok=True)
        junit.parent.mkdir(parents=True, exist_ok=True)
        pytest = "python -m pytest -p no:cacheprovider --basetemp".split() + [session.create_tmp() + "/pytest"]
        pytest += ["--junitxml", junit]
        env = {"ANSIBLE_COLLECTIONS_PATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        if any(arg.startswith("tests/") for arg in session.posargs):
            arguments = session.posargs  # the paths given (make faults LANE=oldest ARGS=tests/faults: every case)
        elif session.posargs:
            arguments = [*paths, *session.posargs]
        else:
            arguments = [*(FAULTS_CORE_SENSITIVE if name == "faults-oldest" else paths), "-m", marker]
        session.run(*pytest, *arguments, env=env)  # none collected (exit 5) fails

    what = "faults (the ansible-core-bound cases)" if name == "faults-oldest" else ", ".join(suites)
    run.__doc__ = f"pytest {what}: {marker}, ansible-core {core} on Python {python} ({lane} lane)"


def add_ansible_test_session(name, lane, *params, default=True):
    """ansible-test on a copy of the tree with amazon.aws beside it, and the lane's pinned ansible-core.

    Not antsibull_nox.add_ansible_test_session (1.10.0): that installs a range of ansible-core, picks a
    Python from a range, leaves no way to give ansible-test a HOME of its own (runs at once share
    ~/.ansible/test/venv and break each other), and its copy-back step can crash after a passing run
    (copy_directory_tree_into calls mkdir without parents under tests/output/.tmp).
    """
    python, dummy, core = LANES[lane]

    # virtualenv, not uv: ansible-test runs pip from the session's Python (units --requirements).
    @nox.session(name=name, python=python, requires=["collections"], default=default, venv_backend="virtualenv")
    def run(session):
        session.install("-r", f"tests/lanes/{lane}.txt")
        prepared = prepare_collections(session, ansible_core_version=core, **OUT_OF_TREE)
        # ansible-test downloads get-pip from a host out of reach, unless it finds a cached copy.
        source = session.run("python", "-c", "import ansible_test; print(*ansible_test.__path__)", silent=True).strip()
        pip = re.search(r"\bpip='([0-9.]+)'", Path(source, "_internal/python_requirements.py").read_text()).group(1)
        home = Path(session.virtualenv.location) / "home"
        cached = home / f".ansible/test/cache/get_pip_{pip.replace('.', '_')}.py"
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "scripts/get_pip_standin.py", cached)
        with session.chdir(prepared.current_path):
            env = {"HOME": str(home), "PIP_CACHE_DIR": os.path.expanduser("~/.cache/pip")}
            session.run(
                "ansible-test", *params, "--local", "--python", python, "--color", "no", *session.posargs, env=env
            )

    run.__doc__ = f"ansible-test {params[0]} with ansible-core {core} on Python {python}"


# Longest first: nox --parallel starts sessions in this order.
for each_suite in ("faults", "integration", "unit"):
    for each_lane in LANES:
        add_pytest_session(f"{each_suite}-{each_lane}", each_lane, (each_suite,), "not slow")
# Every example of the documentation, run against the emulator (tests/docs/README.md).
add_pytest_session("docs-examples-current", "current", ("docs",), "not slow")
# The 100,000-order cases, all in one session of their own (make test-slow, beside make test in CI).
add_pytest_session("slow-current", "current", ("unit", "integration", "faults"), "slow")
# pep8 is pycodestyle with ansible-test's limits: codeqa's flake8 applies them (.flake8) to these files and more.
add_ansible_test_session("sanity-current", "current", "sanity", "--skip-test", "pep8")
# Style does not depend on the lane: codeqa and sanity-current check it once. The version-bound tests
# (compile, import, validate-modules, ansible-doc, ...) run with 2.17 here.
add_ansible_test_session("sanity-oldest", "oldest", "sanity", "--skip-test", "pep8", "--skip-test", "pylint")
# The same unit tests as unit-current, through ansible-test's runner: not in make test, which already
# runs them with pytest on both lanes (a third run costs three and a half minutes of two cores).
add_ansible_test_session("units", "current", "units", "--requirements", default=False)


def docs_reference_script(session, *args):
    session.install("antsibull-docs", "ansible-core", *TOOLS)
    root = collections_root(session, "current", None)
    session.run("python", "scripts/docs_reference.py", *args, env={"ANSIBLE_COLLECTIONS_PATH": str(root)})


@nox.session(name="docs-reference", python="3.13")
def docs_reference(session):
    """docs/reference/ must be what antsibull-docs renders from the plugins (`nox -s docs` rewrites it)."""
    docs_reference_script(session, "--check")


@nox.session(python="3.13", default=False)
def docs(session):
    """Regenerate docs/reference/ from the plugins' documentation (commit the result)."""
    docs_reference_script(session, *session.posargs)


@nox.session(name="changelog-lint", python="3.13")
def changelog_lint(session):
    """antsibull-changelog lint: the fragments and changelogs/changelog.yaml."""
    session.install("antsibull-changelog", *TOOLS)
    session.run("antsibull-changelog", "lint")
    session.run("antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml")


@nox.session(name="changelog-release", python="3.13", default=False)
def changelog_release(session):
    """antsibull-changelog release --update-existing (it asks ansible-doc about new plugins)."""
    session.install("antsibull-changelog", "ansible-core", *TOOLS)
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections_root(session, "current", "tree"))}
    session.run("antsibull-changelog", "release", "--update-existing", *session.posargs, env=env)


@nox.session(name="build-import-check", python="3.13")
def build_import_check(session):
    """Build the tarball and run galaxy-importer on it; an ERROR line in its log fails the session.

    Not antsibull-nox's build-import-check (1.10.0): that only warns about galaxy-importer's ERROR
    lines, which the importer can log and still exit 0.
    """
    session.install("galaxy-importer", "ansible-core", "ansible-lint", *TOOLS)
    root = collections_root(session, "current", "tarball")
    # The importer replaces ANSIBLE_COLLECTIONS_PATH with its own; amazon.aws comes through sys.path.
    env = {"GALAXY_IMPORTER_CONFIG": str(ROOT / "tests/lanes/galaxy-importer.cfg"), "PYTHONPATH": str(root)}
    tarball = next(Path(session.create_tmp(), "dist").resolve().glob("*.tar.gz"))
    with session.chdir(tarball.parent):  # it writes importer_result.json into the working directory
        log = session.run("python", "-m", "galaxy_importer.main", tarball, env=env, silent=True)
    print(log)
    if re.search(r"(?m)^\s*(ERROR|CRITICAL)\b", log):
        session.error("galaxy-importer logged errors (above)")


@nox.session(name="ee-check", python="3.13")
def ee_check(session):
    """ansible-builder create from meta/execution-environment.yml; introspect the installed tarball.

    Not antsibull-nox's ee-check: that builds and runs the image, and there is no container engine here.
    """
    session.install("ansible-builder", "ansible-core", *TOOLS)
    work = Path(session.create_tmp()) / "ee"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    # Its paths are relative to the collection root (so ansible-builder reads an installed copy): stage it there.
    shutil.copyfile(ROOT / "meta/execution-environment.yml", work / "execution-environment.yml")
    shutil.copyfile(ROOT / "requirements.txt", work / "requirements.txt")
    with session.chdir(work):
        session.run(*"ansible-builder create -v 1 --file execution-environment.yml --context context".split())
    if not all(
        (work / "context" / built).is_file()
        for built in ("Dockerfile", "_build/requirements.txt", "_build/requirements.yml")
    ):
        session.error("ansible-builder create did not write the build context (Dockerfile, _build/requirements.*)")
    # An EE that installs voiceops.chime learns our Python needs by introspecting the installed copy.
    found = session.run("ansible-builder", "introspect", collections_root(session, "current", "tarball"), silent=True)
    print(found)
    if not re.search(r"(?m)boto3.*from collection voiceops\.chime", found):
        session.error("ansible-builder introspect found no boto3 requirement of voiceops.chime")


@nox.session(python="3.13")
def awscli(session):
    """The real AWS CLI (v1, its own botocore) against the emulator: tests/awscli/check_awscli.py."""
    session.install("awscli", *TOOLS)
    session.run("python", "tests/awscli/check_awscli.py", Path(session.bin) / "aws")


def add_script_session(name, lane, script, description):
    @nox.session(name=name, python=LANES[lane][0], default=False)
    def run(session):
        session.install("-r", f"tests/lanes/{lane}.txt")
        env = {"ANSIBLE_COLLECTIONS_PATH": str(collections_root(session, lane, "tarball")), "VOICEOPS_CHIME_LANE": lane}
        session.run("python", script, *session.posargs, env=env)

    run.__doc__ = description


add_script_session("demo", "current", "tests/demo/run_demo.py", "The compliance check end to end against the emulator")

for each_lane in ("current", "oldest"):
    add_script_session(f"bench-{each_lane}", each_lane, "tests/perf/bench.py", f"tests/perf/bench.py on {each_lane}")


@nox.session(python=LANES["current"][0], default=False)
def mutation(session):
    """mutmut over module_utils and the action plugins (hours; tests/mutation/README.md)."""
    session.install("-r", "tests/lanes/current.txt", "-r", "tests/mutation/requirements.txt")
    env = {"ANSIBLE_COLLECTIONS_PATH": str(collections_root(session, "current", None))}
    session.run("python", "tests/mutation/run_mutmut.py", "--lane", "current", *session.posargs, env=env)


# Loaded last: nox --parallel starts sessions in the order they are defined, the longest ones above.
antsibull_nox.load_antsibull_nox_toml()
# antsibull-nox registers these outside the default run (that is, make test); the first three read
# amazon.aws from the tarballs that the collections session builds.
for name in ("codeqa", "docs-check", "ansible-lint", "license-check", "antsibull-nox-config"):
    nox.registry.get()[name].default = True
    nox.registry.get()[name].requires = ["collections"] if name in ("codeqa", "docs-check", "ansible-lint") else []
