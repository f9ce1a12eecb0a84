"""Generated initiative files never crash `accord assess`: it assesses or explains, exit 0 or 2.

The generator is shared with the web import's test (tests/web/test_bad_input.py). It makes
files of three kinds: the school attendance example with some values replaced by hostile ones
(every type, unicode, control characters, huge text, unknown and missing keys, deep nesting),
written as YAML or JSON; hostile documents (YAML aliases that expand a billion times, Python
tags, nesting thousands deep, huge numbers); and bytes that are not text at all.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.cli import EXIT_INVALID, EXIT_OK, main

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "src" / "accord" / "examples" / "school-attendance.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())

HOSTILE_TEXT = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","x")',
    "\x1b[2J\x1b[31mred",
    "nul\x00byte",
    "right\u202eto-left",
    "zero\u200bwidth",
    "line\nbreak\rreturn",
    "\ufeffbom",
    "Zoë Brontë — ✓ \U0001d518\U0001d52b\U0001d526 字",  # mathematical letters and a CJK one
    "   ",
    "",
    "{{ 7*7 }} {% debug %}",
    "' OR 1=1; --",
    "../../etc/passwd",
)

# YAML that expands nine to the power nine times if aliases are copied ("billion laughs").
BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "title: *i",
        "summary: *i",
        "purposes: *i",
        "data: [{category: identifiers, fields: *i}]",
    ]
)

HOSTILE_DOCUMENTS = (
    BILLION_LAUGHS,
    "!!python/object/apply:os.system ['echo pwned']\n",
    "title: !!python/object/apply:os.system ['echo pwned']\n",
    "title: !!python/name:os.system\n",
    "!!python/object/new:subprocess.Popen [['true']]\n",
    "title: !custom 1\n",
    "title: !!binary aGVsbG8=\n",
    "title: !!set {a, b}\n",
    "title: !!omap [a: 1, b: 2]\n",
    "&a [*a]\n",
    "[" * 10_000 + "]" * 10_000,
    "{a: " * 3_000 + "1" + "}" * 3_000,
    "- " * 2_000 + "x\n",
    "format: " + "9" * 5_000 + "\n",
    "title: 0b" + "1" * 20_000 + "\n",
    "title: " + ":".join(["59"] * 3_000) + "\n",
    "format: 1.0e999\ntitle: .nan\nsummary: -.inf\n",
    "? [a, b]\n: 1\n",
    "{? {a: 1} : 2}\n",
    "~: 1\n2026-01-01: 2\n3: 4\ntrue: 5\n",
    "title: a\ntitle: b\n",
    "base: &b {name: x}\nparties:\n  - <<: *b\n    <<: *b\n",
    "<<: 5\n",
    "a: 1\n---\nb: 2\n",
    "%YAML 9.9\n---\ntitle: x\n",
    'title: "\\ud800"\n',
    'title: "\\x1b[2J"\n"\\x1b[2Jkey": 1\n',
    "\ttitle: x\n",
    "assess_on: 2026-02-30\n",
    "assess_on: 99999-01-01\n",
    "assess_on: 2026-01-01T10:00:00+25:00\n",
    "",
    " \n\t\n",
    "---\n",
    "~\n",
    "null\n",
    "42\n",
    "[]\n",
    "{}\n",
    '"just text"\n',
    '{"title": "JSON", "parties": [1, 2, 3]',
    "\ufeff" + yaml.safe_dump(BASE),
)

scalars = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=50),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.integers(min_value=1_000, max_value=200_000).map(lambda n: "A" * n),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE_TEXT)), children, max_size=4
        ),
    ),
    max_leaves=12,
)
keys = st.one_of(
    st.sampled_from([*BASE, "name", "type", "role", "functions", "category", "fields"]),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.none(),
)


def _places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, the top level included."""
    found: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, child in node.items():
            found.append((node, key))
            found.extend(_places(child))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.append((node, index))
            found.extend(_places(child))
    return found


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """The attendance example with one to four values replaced, removed or added."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = _places(document)
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "remove", "add", "nest"]))
        if action == "replace":
            container[key] = draw(values)
        elif action == "remove":
            del container[key]
            if not _places(document):
                break
        elif action == "add":
            target = container if isinstance(container, dict) else document
            target[draw(keys)] = draw(values)
        else:  # the value buried in lists and mappings
            depth = draw(st.integers(min_value=1, max_value=60))
            for level in range(depth):
                container[key] = [container[key]] if level % 2 else {"x": container[key]}
    if draw(st.booleans()):
        return json.dumps(document, default=str, ensure_ascii=draw(st.booleans())).encode()
    return yaml.safe_dump(document, allow_unicode=draw(st.booleans()), sort_keys=False).encode()


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


not_utf8 = st.one_of(
    st.just(yaml.safe_dump({**BASE, "title": "Café"}, allow_unicode=True).encode("latin-1")),
    st.just(yaml.safe_dump(BASE).encode("utf-16")),
    st.just(b"title: \xff\xfe\xfd\n"),
    st.just(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)),
    st.just(b"MZ\x90\x00\x03" + bytes(100) + b"This program cannot be run in DOS mode"),
    st.just(b"PK\x03\x04" + bytes(60)),
    st.binary(max_size=300),
)
yaml_soup = st.text(alphabet="{}[]:,-?&*!|>'\"#%@`\n\t ~.0123456789abcxyz<\\", max_size=120)

initiative_files = st.one_of(
    mutated_documents(),
    st.sampled_from(HOSTILE_DOCUMENTS).map(_encoded),
    not_utf8,
    yaml_soup.map(_encoded),
)

# "accord: NAME is not a valid initiative (3 problems):" then one "  NAME, line 4, path: ..." each.
_HEADLINE = re.compile(
    r"^accord: (?P<name>.+) is not a valid initiative \((?P<count>\d+) problems?\):$"
)
_FILE_REFUSED = (
    "is not UTF-8 text: save it as a YAML or JSON text file",
    "is larger than 1 MB",
)
# Problems about the whole document, which has no line and no field to name.
_WHOLE_FILE = ("the file is empty", "must be a mapping of fields, not ")
MAX_LINE = 1_300


def assess(content: bytes) -> tuple[int, str, str]:
    """`accord assess FILE` in this process: the exit code, standard output and standard error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "initiative.yaml"
        path.write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["assess", str(path)])
    return code, out.getvalue(), err.getvalue().replace(str(path), "initiative.yaml")


def check_explained(code: int, out: str, err: str) -> list[str]:
    """Exit 0 with a report, or 2 with one clear line per problem; the problems' lines."""
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert code in (EXIT_OK, EXIT_INVALID), (code, err)
    if code == EXIT_OK:
        assert "Verdict:" in out
        assert err == ""
        return []
    assert out == ""
    lines = err.splitlines()
    assert lines, "exit 2 without a message"
    for line in lines:
        assert len(line) <= MAX_LINE, line[:200]
        assert line.isprintable(), repr(line[:200])
    if any(reason in lines[0] for reason in _FILE_REFUSED):
        assert len(lines) == 1
        return []
    headline = _HEADLINE.match(lines[0])
    assert headline, lines[0][:300]
    problems = lines[1:]
    assert len(problems) == int(headline["count"])
    for problem in problems:
        located = re.match(
            r"^  initiative\.yaml(?P<line>, line \d+)?(?P<field>, .+?)?: (?P<message>.+)$", problem
        )
        assert located, problem[:300]
        assert located["line"] or located["field"] or located["message"].startswith(_WHOLE_FILE), (
            problem
        )
    return problems


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(initiative_files)
def test_no_generated_file_crashes_accord_assess(content: bytes) -> None:
    check_explained(*assess(content))


def test_the_attendance_example_is_assessed_so_the_checks_can_pass() -> None:
    code, out, err = assess(EXAMPLE.read_bytes())
    assert (code, err) == (EXIT_OK, "")
    assert check_explained(code, out, err) == []


def test_aliases_expanding_a_billion_times_are_refused_quickly_naming_the_fields() -> None:
    code, out, err = assess(BILLION_LAUGHS.encode())
    problems = check_explained(code, out, err)
    assert code == EXIT_INVALID
    assert "  initiative.yaml, line 10, title: must be text, not a list" in problems
    assert len(err) < 5_000


def test_a_python_tag_is_refused_and_never_run() -> None:
    code, out, err = assess(b"!!python/object/apply:os.system ['echo pwned']\n")
    assert check_explained(code, out, err)
    assert "could not determine a constructor for the tag" in err
    assert "pwned" not in out


def test_a_number_too_long_to_print_is_refused_naming_its_line() -> None:
    code, out, err = assess(b"title: x\nformat: " + b"9" * 5_000 + b"\n")
    assert check_explained(code, out, err) == [
        "  initiative.yaml, line 2: a number has more than 100 digits: put it in quotes if it "
        "is text"
    ]


def test_control_characters_and_huge_values_are_shown_escaped_on_one_line() -> None:
    text = yaml.safe_dump(
        {**BASE, "consent": "\x1b[2J" + "x" * 100_000, "\u202ekey\nname": 1}, allow_unicode=True
    )
    code, out, err = assess(text.encode())
    problems = check_explained(code, out, err)
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert any(
        p.startswith("  initiative.yaml, line ") and "consent: '\\x1b[2Jxxx" in p for p in problems
    )
    assert any("\\u202ekey\\nname: is not a known field" in p for p in problems)


def accord(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        capture_output=True,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_bytes_that_are_not_utf8_on_standard_input_exit_2_without_a_traceback() -> None:
    result = accord("assess", "-", stdin=b"title: caf\xe9\n")
    assert result.returncode == EXIT_INVALID
    assert result.stderr.decode() == (
        "accord: standard input is not UTF-8 text: give a YAML or JSON text file\n"
    )
    assert result.stdout == b""


def test_a_billion_laughs_file_in_a_real_process_exits_2_in_seconds(tmp_path: Path) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    result = accord("assess", str(path))
    assert result.returncode == EXIT_INVALID
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert f"{path}, line 10, title: must be text, not a list" in stderr
