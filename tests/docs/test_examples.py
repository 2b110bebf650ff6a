# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Examples that need more than one run, or a check of their own (issue 14).

test_docs.py runs every example once, as written. Here some run again in the situation they exist
for (the rescue example with a denied listing, the pipeline snippet with a failing check), the
examples that cannot run here are checked for what can be checked (the IAM policies), and the
troubleshooting page is checked against every message the plugins can write. The comparison rules
of the suite itself are tested at the end.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_blocks import ROOT  # noqa: E402
from doc_blocks import documents
from doc_blocks import matches_sample
from doc_blocks import read_blocks
from doc_runner import BlockFailure  # noqa: E402
from doc_runner import DocSession

DEMO_DATA = ROOT / "docs" / "demo" / "orders.json"
IAM_POLICY = ROOT / "docs" / "iam-policy.md"
PIPELINES = ROOT / "docs" / "pipelines.md"
ROLE_README = ROOT / "roles" / "assert_numbers_acquired" / "README.md"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
LISTING = ROOT / "plugins" / "module_utils" / "listing.py"


def block_by_id(document, block_id):
    found = [block for block in read_blocks(document) if block.block_id == block_id]
    assert len(found) == 1, "%s has %d blocks with id=%s" % (document, len(found), block_id)
    return found[0]


def blocks_before(document, block):
    """The marked blocks of ``document`` above ``block``: what a reader has done by then."""
    return [earlier for earlier in read_blocks(document) if earlier.line < block.line and earlier.marker]


@pytest.fixture
def reader(emulator, run_ansible, tmp_path):
    """A DocSession factory, as in test_docs.py: the emulator serves the demo data."""
    import os  # pylint: disable=import-outside-toplevel

    emulator.set_orders(json.loads(DEMO_DATA.read_text(encoding="utf-8")))
    lane = Path(os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]).resolve()
    sessions = []

    def open_session(document):
        session = DocSession(document, tmp_path / "home", run_ansible.env, emulator, lane)
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()


# --------------------------------------------------------------------------- IAM policies


def json_blocks(document):
    return [(block, json.loads(block.text)) for block in read_blocks(document) if block.language == "json"]


def api_layer_actions():
    """Every IAM action named in the API layer (LIST_ACTION, GET_ACTION, LIST_NUMBERS_ACTION, ...)."""
    tree = ast.parse(LISTING.read_text(encoding="utf-8"))
    actions = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"chime:[A-Za-z]+", node.value)
        ):
            actions.add(node.value)
    return actions


def test_the_permission_policies_of_iam_policy_md_allow_every_action_the_collection_calls():
    actions = api_layer_actions()
    assert actions == {"chime:ListPhoneNumberOrders", "chime:GetPhoneNumberOrder", "chime:ListPhoneNumbers"}
    permission_policies = [
        policy
        for dummy, policy in json_blocks(IAM_POLICY)
        if all("Principal" not in statement for statement in policy["Statement"])
    ]
    assert len(permission_policies) == 2
    for policy in permission_policies:
        allowed = set()
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
            allowed.update([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        # Read-only: exactly the actions of the API layer, nothing that writes.
        assert allowed == actions


def test_the_trust_policies_of_iam_policy_md_match_the_pipeline_recipes():
    trust_policies = [
        policy
        for dummy, policy in json_blocks(IAM_POLICY)
        if any("Principal" in statement for statement in policy["Statement"])
    ]
    assert len(trust_policies) == 2
    pipelines = PIPELINES.read_text(encoding="utf-8")
    providers = []
    for policy in trust_policies:
        (statement,) = policy["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        provider = statement["Principal"]["Federated"].split("oidc-provider/", 1)[1]
        providers.append(provider)
        conditions = statement["Condition"]["StringEquals"]
        # Both the audience and the subject are pinned: any repository's token would do otherwise.
        assert set(conditions) == {provider + ":aud", provider + ":sub"}
    assert providers == ["token.actions.githubusercontent.com", "gitlab.com"]
    # The audiences the recipes send.
    assert "aws-actions/configure-aws-credentials" in pipelines  # sends sts.amazonaws.com
    assert trust_policies[1]["Statement"][0]["Condition"]["StringEquals"]["gitlab.com:aud"] == "https://gitlab.com"
    assert "aud: https://gitlab.com" in pipelines
    # The role the recipes assume.
    assert pipelines.count("role/chime-compliance-read") == 2


# --------------------------------------------------------------------------- the pipeline snippet


def run_pipeline_snippet(reader, snippet_text, expected_numbers):
    session = reader(PIPELINES)
    snippet = block_by_id(PIPELINES, "pipeline-emulator")
    for block in blocks_before(PIPELINES, snippet):
        if block.marker.kind == "file" or block.marker.options.get("setup"):
            session.run_block(block)
    (session.home / "chime" / "expected.yml").write_text(
        "assert_numbers_acquired_expected: %s\nassert_numbers_acquired_region: us-east-1\n"
        % json.dumps(expected_numbers),
        encoding="utf-8",
    )
    return session, session.shell(session.substitute(snippet_text))


def test_the_pipeline_snippet_stops_the_emulator_when_the_check_fails_under_bash_e(reader):
    snippet = block_by_id(PIPELINES, "pipeline-emulator")
    # +15035550199 was never ordered: the check fails, and bash -e ends the script there.
    session, (rc, output) = run_pipeline_snippet(reader, snippet.text, ["+12065550100", "+15035550199"])
    assert rc == 2, output
    assert "+15035550199 missing" in output
    # shell() fails the block for a process left running; it did not, so the trap stopped the emulator.
    assert "listening on" in (session.home / "emulator.out").read_text()


def test_the_snippet_without_its_trap_would_leak_the_emulator(reader):
    snippet = block_by_id(PIPELINES, "pipeline-emulator")
    without_trap = "\n".join(line for line in snippet.text.splitlines() if not line.startswith("trap "))
    assert without_trap != snippet.text
    with pytest.raises(BlockFailure, match="left processes running"):
        run_pipeline_snippet(reader, without_trap, ["+12065550100", "+15035550199"])


# --------------------------------------------------------------------------- the matcher


@pytest.mark.parametrize(
    "actual, sample, matches",
    [
        ("a\nb\nc\n", "a\n...\nc", True),
        ("a\nc\n", "a\n...\nc", True),  # '...' may stand for no line at all
        ("a\nb\nc\n", "a\nc", False),  # without '...' every line is shown
        ("ok: x=1 y=2\n", "ok: ... y=2", True),  # '...' inside a line: any text
        ("ok: x=1 y=3\n", "ok: ... y=2", False),
        ("TASK [a] ****************\n", "TASK [a] ***", True),  # banner padding
        ("listening on http://127.0.0.1:5555\n", "listening on http://127.0.0.1:41234", True),
        ("line   \n\n\n", "line", True),  # trailing spaces and blank lines
        ("x\ny\n", "x", False),  # more output than the sample shows
    ],
)
def test_samples_match_as_the_readme_says(actual, sample, matches):
    assert matches_sample(actual, sample, ["http://127.0.0.1:5555"]) is matches


# --------------------------------------------------------------------------- troubleshooting

# Calls whose string arguments are messages a user can see.
MESSAGE_CALLS = re.compile(r"(Error|Exception|Refused|Failed|Cancelled)$|^(fail_json|fail_aws|_do_fail|warn|warning)$")
# Module-level constants that hold (parts of) messages.
MESSAGE_CONSTANTS = re.compile(r"(WARNING|HINT|HINTS)$")
# Fragments shorter than this are too generic to look for ("{0}: {1}", " got ").
MIN_FRAGMENT = 12
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%[sdr]|\{\{|\}\}")
# Messages that never reach a user as such: internal guards whose text is replaced before it is shown.
NOT_SHOWN = ("stopped: a concurrent listing failed",)  # ListingCancelled: discarded, the sibling's error is raised


def _strings(node):
    """String literals in ``node`` (a message expression): constants, format receivers, concatenations."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _strings(node.func.value)
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + _strings(node.right)
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.Dict):
        return [text for value in node.values for text in _strings(value)]
    return []


def _call_name(call):
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def plugin_messages():
    """{message template: 'path:line'} of every message the plugins can show."""
    messages = {}
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.Call) and MESSAGE_CALLS.search(_call_name(node)):
                arguments = list(node.args) + [
                    keyword.value for keyword in node.keywords if keyword.arg in ("msg", None)
                ]
                found = [text for argument in arguments[:1] + arguments[1:] for text in _strings(argument)]
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and MESSAGE_CONSTANTS.search(target.id) for target in node.targets
            ):
                found = _strings(node.value)
            for text in found:
                messages.setdefault(text, "%s:%d" % (path.relative_to(ROOT), node.lineno))
    return messages


def _normalised(text):
    return re.sub(r"\s+", " ", text.replace("`", "").replace("\\_", "_"))


def test_troubleshooting_covers_every_message_the_plugins_can_show():
    page = _normalised(TROUBLESHOOTING.read_text(encoding="utf-8"))
    missing = []
    for message, where in sorted(plugin_messages().items(), key=lambda item: item[1]):
        fragments = [part.strip(" .:;,'\"") for part in PLACEHOLDER.split(message)]
        fragments = [part for part in fragments if len(part) >= MIN_FRAGMENT]
        if not fragments or any(skip in message for skip in NOT_SHOWN):
            continue
        longest = max(fragments, key=len)
        if _normalised(longest) not in page:
            missing.append("%s: %r" % (where, longest))
    assert not missing, "troubleshooting.md does not quote these messages:\n" + "\n".join(missing)


# --------------------------------------------------------------------------- links

LINK = re.compile(r"\]\(([^)\s]+)\)")


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not line.startswith("#"):
            continue
        anchor = github_anchor(line.lstrip("#"))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else "%s-%d" % (anchor, count))
    return found


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(document):
    broken = []
    text = re.sub(r"(?ms)^\s*(```|~~~).*?^\s*\1", "", document.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL: not checked here (no network)
        path_part, dummy, anchor = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            broken.append("%s (no such file)" % target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append("%s (no such heading)" % target)
    assert not broken, "broken links in %s: %s" % (document.relative_to(ROOT), ", ".join(broken))


# --------------------------------------------------------------------------- the role's README


def test_the_rescue_example_reports_a_denied_listing_instead_of_dying(reader):
    """Issue 14, item 1: the README's rescue example, as written, when the listing fails."""
    session = reader(ROLE_README)
    session.run_block(block_by_id(ROLE_README, "rescue"))
    session.control.inject(deny_operations=["ListPhoneNumberOrders"])
    rc, output = session.shell(
        'ansible-playbook notify.yml -e \'{"assert_numbers_acquired_expected": ["+12065550100"]}\''
    )
    assert rc == 0, output
    assert '"msg": "error: chime:ListPhoneNumberOrders denied (ForbiddenException, HTTP 403)' in output
    assert "is undefined" not in output


def test_the_rescue_example_survives_a_refused_role_variable(reader):
    session = reader(ROLE_README)
    session.run_block(block_by_id(ROLE_README, "rescue"))
    # No expected list at all: the role's argument validation stops it before the fact exists.
    rc, output = session.shell("ansible-playbook notify.yml")
    assert rc == 0, output
    assert '"msg": "error: ' in output and "missing required arguments: assert_numbers_acquired_expected" in output


@pytest.mark.parametrize("project_dir", [None, "gitlab-project"])
def test_the_report_dir_example_writes_into_the_project_or_the_working_directory(reader, project_dir):
    """Issue 14, item 5: outside GitLab the reports land in the working directory, never in /reports."""
    session = reader(ROLE_README)
    example = block_by_id(ROLE_README, "project-dir")
    for block in blocks_before(ROLE_README, example):
        if block.marker.kind == "file":
            session.run_block(block)
    extra = {}
    if project_dir:
        (session.home / project_dir).mkdir()
        extra["CI_PROJECT_DIR"] = str(session.home / project_dir)
    (session.home / "example.yml").write_text(example.text, encoding="utf-8")
    rc, output = session.shell("ansible-playbook example.yml", extra_env=extra)
    assert rc == 0, output
    base = session.home / project_dir if project_dir else session.home
    assert (base / "reports" / "chime" / "report.json").is_file()
