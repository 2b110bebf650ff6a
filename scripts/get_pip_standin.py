# Copyright: Contributors to the voiceops.chime collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into each sanity virtual environment by running a
get-pip script that it downloads from a host this machine cannot reach. It uses
a cached copy at ``~/.ansible/test/cache/get_pip_<version>.py`` when one exists;
the ansible-test sessions of ``noxfile.py`` copy this file there. Like get-pip, it installs the
packages named on its command line (``pip==<version>`` from the package index),
using the pip wheel that ``ensurepip`` bundles with the interpreter.
"""

from __future__ import annotations

import glob
import os
import runpy
import sys

# get-pip understands these; pip install does not (and we never add setuptools or wheel anyway).
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def bundled_pip_wheel():
    """Return the path of the pip wheel shipped with this interpreter's ensurepip."""
    import ensurepip  # pylint: disable=import-outside-toplevel

    wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
    if not wheels:
        raise SystemExit("get-pip stand-in: no bundled pip wheel in ensurepip for %s" % sys.executable)
    return wheels[-1]


def main():
    """Run ``pip install`` with get-pip's arguments from the bundled wheel."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    sys.path.insert(0, bundled_pip_wheel())
    sys.argv = ["pip", "install"] + args
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
