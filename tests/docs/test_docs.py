# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every example of the documentation, run against the emulator (issue 14).

One test per document runs its blocks top to bottom as a new reader would (tests/docs/README.md says
how and with which substitutions). Blocks that cannot run here are one skipped test each, with the
reason their marker gives. A block without a marker fails, so a new example cannot go untested.

    make nox ARGS="-s docs-examples-current"
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_blocks import CHECKED_BY  # noqa: E402
from doc_blocks import NOT_RUNNABLE
from doc_blocks import ROOT
from doc_blocks import MarkerError
from doc_blocks import documents
from doc_blocks import read_blocks
from doc_runner import BlockFailure  # noqa: E402
from doc_runner import DocSession

DEMO_DATA = ROOT / "docs" / "demo" / "orders.json"
DOCUMENTS = documents()


def document_id(path):
    return str(path.relative_to(ROOT))


def blocks_of(document):
    try:
        return read_blocks(document)
    except MarkerError as error:
        pytest.fail("%s: %s" % (document_id(document), error))
        raise


def skipped_blocks():
    found = []
    for document in DOCUMENTS:
        try:
            blocks = read_blocks(document)
        except MarkerError:
            continue  # test_every_block_has_a_readable_marker names it
        found.extend(block for block in blocks if block.marker and block.marker.kind in (NOT_RUNNABLE, CHECKED_BY))
    return found


def lane_collections():
    return Path(os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]).resolve()


@pytest.fixture
def doc_session(emulator, run_ansible, tmp_path):
    """Open a DocSession for a document: the emulator serves the demo data (docs/demo/orders.json)."""
    emulator.set_orders(json.loads(DEMO_DATA.read_text(encoding="utf-8")))
    sessions = []

    def open_session(document):
        session = DocSession(document, tmp_path / "home", run_ansible.env, emulator, lane_collections())
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()


@pytest.mark.parametrize("document", DOCUMENTS, ids=document_id)
def test_every_block_has_a_readable_marker(document):
    unmarked = [block.where for block in blocks_of(document) if block.marker is None]
    assert not unmarked, (
        "blocks without a <!-- doc-test: ... --> marker (run it, write it as a file, compare it "
        "as output, or say why it cannot run here): " + ", ".join(unmarked)
    )


def core_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    return tuple(int(part) for part in re.findall(r"\d+", __version__)[:2])


def runs_on_this_core(block):
    """core=2.19+ on a block whose sample shows what only ansible-core 2.19 and later print (the
    document says what older versions print instead)."""
    wanted = block.marker.options.get("core")
    if not wanted:
        return True
    return core_version() >= tuple(int(part) for part in wanted.rstrip("+").split("."))


@pytest.mark.parametrize("document", DOCUMENTS, ids=document_id)
def test_document_examples_run_as_written(document, doc_session):
    blocks = [block for block in blocks_of(document) if block.marker is not None]
    session = doc_session(document)
    failures = []
    not_here = []
    for block in blocks:
        if not runs_on_this_core(block):
            not_here.append(block.where)
            continue
        try:
            session.run_block(block)
        except BlockFailure as error:
            failures.append("%s (%s %s):\n%s" % (block.where, block.marker.kind, block.language, error))
    assert not failures, "\n\n".join(failures)
    if not_here:
        warnings.warn(
            "not run with ansible-core %s (their samples need a newer one): %s"
            % (".".join(map(str, core_version())), ", ".join(not_here))
        )


@pytest.mark.parametrize("block", skipped_blocks(), ids=lambda block: block.where)
def test_not_runnable_here(block):
    if block.marker.kind == CHECKED_BY:
        checker = block.marker.argument.partition(":")[0].strip()
        checker_path = ROOT / checker
        assert checker_path.is_file(), "%s names a checker that does not exist: %s" % (block.where, checker)
        assert block.document.name in checker_path.read_text(encoding="utf-8"), "%s does not read %s" % (
            checker,
            block.document.name,
        )
        pytest.skip("checked by " + block.marker.argument)
    pytest.skip(block.marker.argument)
