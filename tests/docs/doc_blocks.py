# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fenced blocks of the documentation and the markers that say what to do with each.

Pure functions (no Ansible, no emulator): reading the documents, parsing the markers, and comparing
what a command printed with the sample output a document shows. tests/docs/README.md describes the
markers for writers; ``python tests/docs/doc_blocks.py`` prints how many blocks of each kind every
document has.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Every document whose examples the suite owns. A new document under docs/ is picked up by itself.
DOCUMENT_GLOBS = ("README.md", "docs/*.md", "roles/*/README.md", "tests/emulator/README.md", "tests/docs/README.md")

# What a marker can ask for.
RUN = "run"  # run the block: console, sh/bash, a playbook or inventory (yaml), python
FILE = "file"  # write the block to a file (relative to the document's working directory)
OUTPUT = "output"  # the expected output of the previous command
NOT_RUNNABLE = "not-runnable"  # cannot run here; the reason is counted as a skip
CHECKED_BY = "checked-by"  # checked word for word by another test file (named), counted as a skip here
KINDS = (RUN, FILE, OUTPUT, NOT_RUNNABLE, CHECKED_BY)
# Options a marker may carry (key=value, shell quoting).
OPTIONS = frozenset(
    ("rc", "args", "emulator", "checkout", "id", "background", "setup", "timeout", "fresh", "cwd", "prelude", "core")
)

MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<body>.*?)\s*-->\s*$")
COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
# The emulator's address in the examples; the suite puts the address of the emulator it runs there.
DOC_EMULATOR_URL = "http://127.0.0.1:41234"


class MarkerError(ValueError):
    """A marker that the suite cannot read: the document must be fixed."""


@dataclass
class Marker:
    kind: str
    argument: str = ""  # FILE: the path; NOT_RUNNABLE: the reason; CHECKED_BY: "path: what"
    options: dict = field(default_factory=dict)
    line: int = 0


@dataclass
class Block:
    document: Path
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    marker: Marker | None

    @property
    def where(self):
        return "%s:%d" % (self.document.relative_to(ROOT), self.line)

    @property
    def block_id(self):
        return self.marker.options.get("id") if self.marker else None


def documents():
    """Every document of the suite, in a stable order."""
    found = []
    for pattern in DOCUMENT_GLOBS:
        found.extend(sorted(ROOT.glob(pattern)))
    return [path for index, path in enumerate(found) if path not in found[:index]]


def parse_marker(body, line):
    """A Marker from the text inside ``<!-- doc-test: ... -->``."""
    kind, dummy, rest = body.partition(" ")
    kind = kind.rstrip(":")
    rest = rest.strip()
    if kind == NOT_RUNNABLE:
        if not rest:
            raise MarkerError("line %d: not-runnable needs a reason" % line)
        return Marker(kind, rest, {}, line)
    if kind == CHECKED_BY:
        path, dummy, what = rest.partition(":")
        if not path.strip() or not what.strip():
            raise MarkerError("line %d: checked-by needs 'PATH: what it checks'" % line)
        return Marker(kind, rest, {}, line)
    if kind not in KINDS:
        raise MarkerError("line %d: unknown doc-test kind %r (one of %s)" % (line, kind, ", ".join(KINDS)))
    try:
        words = shlex.split(rest)
    except ValueError as error:
        raise MarkerError("line %d: %s" % (line, error)) from None
    argument = ""
    options = {}
    for word in words:
        key, equals, value = word.partition("=")
        if equals:
            if key not in OPTIONS:
                raise MarkerError("line %d: unknown option %r (one of %s)" % (line, key, ", ".join(sorted(OPTIONS))))
            options[key] = value
        elif kind == FILE and not argument:
            argument = word
        elif word == "background":
            options["background"] = "true"
        else:
            raise MarkerError("line %d: unexpected %r in a %s marker" % (line, word, kind))
    if kind == FILE and not argument:
        raise MarkerError("line %d: file needs a path" % line)
    return Marker(kind, argument, options, line)


def read_blocks(document):
    """Every fenced block of ``document`` with the marker before it (or None).

    A marker is the last ``<!-- doc-test: ... -->`` comment in the lines just above the opening fence;
    blank lines and other HTML comments may stand between them (docs/reports.md keeps its own
    ``<!-- sample: ... -->`` comment right above its samples).
    """
    lines = document.read_text(encoding="utf-8").splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, info = opening.group("indent"), opening.group("fence"), opening.group("info").strip()
        body = []
        closing = index + 1
        while closing < len(lines):
            candidate = lines[closing]
            if candidate.strip().startswith(fence) and candidate.strip().strip(fence[0]) == "":
                break
            # Indented fences (inside a list item) carry the item's indentation on every line.
            body.append(candidate[len(indent) :] if candidate.startswith(indent) else candidate.lstrip())
            closing += 1
        if closing >= len(lines):
            raise MarkerError("%s:%d: a fence that is never closed" % (document, index + 1))
        marker = None
        above = index - 1
        while above >= 0 and (not lines[above].strip() or COMMENT.match(lines[above])):
            found = MARKER.match(lines[above])
            if found:
                marker = parse_marker(found.group("body"), above + 1)
                break
            above -= 1
        blocks.append(Block(document, index + 1, info.split()[0] if info else "", "\n".join(body) + "\n", marker))
        index = closing + 1
    return blocks


# --------------------------------------------------------------------------- console blocks


def console_commands(text):
    """[(command, expected output)] of a console block: ``$ `` starts a command (a line ending in a
    backslash continues it), every other line until the next prompt is its expected output."""
    commands = []
    current = None
    continuing = False
    for line in text.splitlines():
        if continuing:
            current[0] += "\n" + line
            continuing = line.endswith("\\")
            continue
        if line.startswith("$ "):
            current = [line[2:], []]
            commands.append(current)
            continuing = line.endswith("\\")
        elif current is None:
            raise MarkerError("a console block must start with a '$ ' command line, got %r" % line)
        else:
            current[1].append(line)
    return [(command, "\n".join(output)) for command, output in commands]


# --------------------------------------------------------------------------- output comparison

_TASK_BANNER_STARS = re.compile(r" \*{3,}$")


def normalise_output(text, emulator_urls=(), replacements=()):
    """What may vary between runs, made constant: emulator ports, the padding of task banners (it
    depends on the title's length), trailing spaces and trailing blank lines."""
    for url in emulator_urls:
        text = text.replace(url, DOC_EMULATOR_URL)
    for old, new in replacements:
        text = text.replace(old, new)
    lines = [_TASK_BANNER_STARS.sub(" ***", line.rstrip()) for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def sample_pattern(expected):
    """A regular expression for a sample: a line that is only ``...`` stands for any number of lines
    (none included), and ``...`` inside a line for any text on that line."""
    parts = []
    for line in normalise_output(expected).split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def matches_sample(actual, expected, emulator_urls=(), replacements=()):
    """True when ``actual`` (what the command printed) is the ``expected`` sample."""
    text = normalise_output(actual, emulator_urls, replacements) + "\n"
    return sample_pattern(expected).fullmatch(text) is not None


def explain_mismatch(actual, expected, emulator_urls=(), replacements=()):
    """The first sample line that does not match, for the failure message."""
    text = normalise_output(actual, emulator_urls, replacements)
    lines = normalise_output(expected).split("\n")
    for count in range(1, len(lines) + 1):
        partial = sample_pattern("\n".join(lines[:count]) + "\n...")
        if not partial.fullmatch(text + "\n"):
            return "sample line %d does not match: %r" % (count, lines[count - 1])
    return "the output has more lines than the sample (end the sample with '...' if they may vary)"


# --------------------------------------------------------------------------- counts


def summary():
    """{document: {kind or reason: count}} of every document, for the report and for writers."""
    counts = {}
    for document in documents():
        entry = {}
        for block in read_blocks(document):
            key = block.marker.kind if block.marker else "UNMARKED"
            if key == NOT_RUNNABLE:
                key = "not-runnable: " + block.marker.argument
            entry[key] = entry.get(key, 0) + 1
        counts[str(document.relative_to(ROOT))] = entry
    return counts


def main():
    totals = {}
    for document, entry in summary().items():
        print(document)
        for key, count in sorted(entry.items()):
            print("  %3d  %s" % (count, key))
            kind = key.split(":")[0]
            totals[kind] = totals.get(kind, 0) + count
    print("total: " + ", ".join("%d %s" % (count, kind) for kind, count in sorted(totals.items())))
    return 1 if "UNMARKED" in totals else 0


if __name__ == "__main__":
    sys.exit(main())
