"""Every cross-reference in README.md, OPERATIONS.md and docs/*.md points at a section or anchor
that exists: "OPERATIONS.md, section 7.9", "OPERATIONS.md §4", a bare "section 9" (the document's
own), links to a document or its anchor ("(docs/models.md#anchor)", "(#anchor)",
"(OPERATIONS.md)") and mentions of the form "docs/models.md#anchor"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "OPERATIONS.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^ *```.*?^ *```", re.M | re.S)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
NUMBERED = re.compile(r"(\d+(?:\.\d+)*)\.?\s")
NUMBER = r"(?P<number>\d+(?:\.\d+)*)"
# "FILE.md, section 10", "FILE.md section 10", "FILE.md §10", "FILE.md 7.9"
FILE_SECTION = re.compile(rf"(?P<file>[\w./-]+\.md),?\s+(?:section\s+|§\s?)?{NUMBER}")
SECTION = re.compile(rf"(?<![\w.])(?:[Ss]ection\s+|§\s?){NUMBER}")
TARGET = re.compile(r"(?P<file>[\w./-]+\.md)?(?:#(?P<anchor>[\w-]+))?")
LINK_OR_MENTION = re.compile(
    r"\]\((?P<link>[^)\s]+)\)"  # [text](FILE.md#anchor), [text](#anchor), [text](FILE.md)
    r"|(?<![\w(/])(?P<mention>[\w./-]+\.md#[\w-]+)"  # FILE.md#anchor in prose
)


@dataclass(frozen=True)
class Reference:
    """One cross-reference: where it is, what it names, and in which file."""

    doc: Path
    line: int
    target: Path
    section: str | None = None
    anchor: str | None = None

    @property
    def what(self) -> str:
        if self.section is not None:
            return f"section {self.section}"
        return f"#{self.anchor}" if self.anchor else "the file"

    def __str__(self) -> str:
        where = f"{self.doc.relative_to(ROOT)}:{self.line}"
        return f"{where}: {self.target.relative_to(ROOT)} {self.what}"


def _prose(text: str) -> str:
    """The text with its fenced code blocks blanked out (line numbers kept)."""
    return FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces as -."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def targets(doc: Path) -> tuple[set[str], set[str]]:
    """A document's section numbers and its headings' anchors (GitHub's -1, -2 for repeats)."""
    numbers, anchors = set(), set()
    for heading in HEADING.findall(_prose(doc.read_text())):
        if match := NUMBERED.match(heading + " "):
            numbers.add(match.group(1))
        anchor = base = slug(heading)
        repeat = 0
        while anchor in anchors:
            repeat += 1
            anchor = f"{base}-{repeat}"
        anchors.add(anchor)
    return numbers, anchors


def _resolve(doc: Path, name: str | None) -> Path:
    """A referenced file: the document itself, or relative to its folder, else to the root."""
    if not name:
        return doc
    near = (doc.parent / name).resolve()
    return near if near.exists() else (ROOT / name).resolve()


def references(doc: Path) -> list[Reference]:
    """The cross-references a document makes."""
    text = _prose(doc.read_text())
    found = []

    def line(at: int) -> int:
        return text.count("\n", 0, at) + 1

    taken: list[tuple[int, int]] = []
    for match in FILE_SECTION.finditer(text):
        taken.append(match.span())
        target = _resolve(doc, match["file"])
        found.append(Reference(doc, line(match.start()), target, section=match["number"]))
    for match in SECTION.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            found.append(Reference(doc, line(match.start()), doc, section=match["number"]))
    for match in LINK_OR_MENTION.finditer(text):
        named = TARGET.fullmatch(match["link"] or match["mention"])
        if named is None or not (named["file"] or named["anchor"]):  # another site, an image
            continue
        target = _resolve(doc, named["file"])
        found.append(Reference(doc, line(match.start()), target, anchor=named["anchor"]))
    return found


def dangling(reference: Reference) -> bool:
    """True when the referenced file, section or anchor does not exist."""
    if not reference.target.is_file():
        return True
    numbers, anchors = targets(reference.target)
    if reference.section is not None:
        return reference.section not in numbers
    return reference.anchor is not None and reference.anchor not in anchors


def test_every_cross_reference_resolves() -> None:
    found = [ref for doc in DOCS for ref in references(doc)]
    assert len(found) >= 20  # the finder still sees the documents' references
    assert [str(ref) for ref in found if dangling(ref)] == []


def test_the_operations_runbook_has_its_numbered_sections() -> None:
    numbers, _ = targets(ROOT / "OPERATIONS.md")
    assert {"1", "3.4", "7.9", "10", "10.2"} <= numbers


SAMPLE = """# Guide

## 1. Setup

### 1.1 Database and `R2_BUCKET`

See section 1.1 and §1, then OPERATIONS.md, section 7.9 and OPERATIONS.md 3.4. Not there:
section 4, OPERATIONS.md §42, [gone](#nowhere), [docs](other.md#setup-notes) and
other.md#setup-notes too, [ok](#1-setup), [here](#11-database-and-r2_bucket),
[away](https://example.com/page#top), missing.md#x, [whole](other.md), [lost](gone.md),
![a picture](room.png).

```
section 99 in a code block is no reference
```

## Setup notes

## Setup notes
[twice](#setup-notes-1)
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "other.md").write_text("# Other\n\n## Setup notes\n")
    doc = tmp_path / "guide.md"
    doc.write_text(SAMPLE)
    return doc


def test_the_finder_reads_each_form_and_flags_the_dangling_ones(sample: Path) -> None:
    found = references(sample)
    seen = {(ref.target.name, ref.what, dangling(ref)) for ref in found}
    assert seen == {
        ("guide.md", "section 1.1", False),
        ("guide.md", "section 1", False),
        ("OPERATIONS.md", "section 7.9", False),
        ("OPERATIONS.md", "section 3.4", False),
        ("guide.md", "section 4", True),
        ("OPERATIONS.md", "section 42", True),
        ("guide.md", "#nowhere", True),
        ("other.md", "#setup-notes", False),
        ("guide.md", "#1-setup", False),
        ("guide.md", "#11-database-and-r2_bucket", False),
        ("missing.md", "#x", True),
        ("guide.md", "#setup-notes-1", False),
        ("other.md", "the file", False),
        ("gone.md", "the file", True),
    }
    assert len(found) == 15  # other.md#setup-notes twice: as a link and in prose
    assert [ref.line for ref in found if ref.section == "4"] == [8]
