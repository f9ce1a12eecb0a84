"""Just enough of a PDF reader to test WeasyPrint's output: objects, metadata, text per page.

No PDF library is a dependency of Accord, and the tests must read the bytes the users get, so
this parses them: indirect objects (also inside compressed object streams), the page tree, each
font's ToUnicode map, and the text-showing operators of each page's content stream.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

_WHITESPACE = b" \t\r\n\x0c\x00"
_DELIMITERS = b"()<>[]{}/%"


@dataclass(frozen=True)
class Ref:
    number: int


@dataclass(frozen=True)
class Name:
    value: str


@dataclass
class Stream:
    dictionary: dict[str, Any]
    raw: bytes

    @property
    def data(self) -> bytes:
        if self.dictionary.get("Filter") == Name("FlateDecode"):
            return zlib.decompress(self.raw)
        return self.raw


class _Parser:
    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.pos = position

    def skip(self) -> None:
        data = self.data
        while self.pos < len(data):
            if data[self.pos] in _WHITESPACE:
                self.pos += 1
            elif data[self.pos : self.pos + 1] == b"%":
                while self.pos < len(data) and data[self.pos] not in b"\r\n":
                    self.pos += 1
            else:
                break

    def token(self) -> bytes:
        self.skip()
        start = self.pos
        data = self.data
        while (
            self.pos < len(data)
            and data[self.pos] not in _WHITESPACE
            and data[self.pos] not in _DELIMITERS
        ):
            self.pos += 1
        return data[start : self.pos]

    def literal_string(self) -> bytes:
        self.pos += 1  # (
        depth, out = 1, bytearray()
        escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
        while True:
            char = self.data[self.pos : self.pos + 1]
            self.pos += 1
            if char == b"\\":
                nxt = self.data[self.pos : self.pos + 1]
                if nxt in escapes:
                    out += escapes[nxt]
                    self.pos += 1
                elif nxt.isdigit():
                    digits = re.match(rb"[0-7]{1,3}", self.data[self.pos : self.pos + 3])
                    assert digits
                    out.append(int(digits[0], 8) & 0xFF)
                    self.pos += len(digits[0])
                elif nxt in b"\r\n":
                    self.pos += 1
                else:
                    out += nxt
                    self.pos += 1
            elif char == b"(":
                depth += 1
                out += char
            elif char == b")":
                depth -= 1
                if depth == 0:
                    return bytes(out)
                out += char
            else:
                out += char

    def value(self) -> Any:
        self.skip()
        data = self.data
        head = data[self.pos : self.pos + 2]
        if head == b"<<":
            self.pos += 2
            result: dict[str, Any] = {}
            while True:
                self.skip()
                if data[self.pos : self.pos + 2] == b">>":
                    self.pos += 2
                    return result
                key = self.value()
                assert isinstance(key, Name), key
                result[key.value] = self.value()
        if head[:1] == b"[":
            self.pos += 1
            items = []
            while True:
                self.skip()
                if data[self.pos : self.pos + 1] == b"]":
                    self.pos += 1
                    return items
                items.append(self.value())
        if head[:1] == b"(":
            return self.literal_string()
        if head[:1] == b"<":
            end = data.index(b">", self.pos)
            hex_digits = re.sub(rb"\s", b"", data[self.pos + 1 : end])
            self.pos = end + 1
            return bytes.fromhex((hex_digits + b"0" * (len(hex_digits) % 2)).decode())
        if head[:1] == b"/":
            self.pos += 1
            return Name(self.token().decode("latin-1"))
        word = self.token()
        if word in (b"true", b"false"):
            return word == b"true"
        if word == b"null":
            return None
        if re.fullmatch(rb"[+-]?\d+", word):
            # An indirect reference "N G R"?
            save = self.pos
            second = self.token()
            third = self.token()
            if re.fullmatch(rb"\d+", second) and third == b"R":
                return Ref(int(word))
            self.pos = save
            return int(word)
        if re.fullmatch(rb"[+-]?(\d+\.?\d*|\.\d+)", word):
            return float(word)
        raise ValueError(f"unexpected PDF token {word!r} at {self.pos}")


class Pdf:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.objects: dict[int, Any] = {}
        for match in re.finditer(rb"(?<![0-9])(\d+)\s+\d+\s+obj\b", data):
            parser = _Parser(data, match.end())
            value = parser.value()
            parser.skip()
            if data[parser.pos : parser.pos + 6] == b"stream":
                start = parser.pos + 6
                start += 2 if data[start : start + 2] == b"\r\n" else 1
                length = value["Length"]
                value = Stream(value, data[start : start + length])
            self.objects[int(match[1])] = value
        for obj in list(self.objects.values()):
            if isinstance(obj, Stream) and obj.dictionary.get("Type") == Name("ObjStm"):
                body = obj.data
                first = obj.dictionary["First"]
                header = [int(n) for n in body[:first].split()]
                for number, offset in zip(header[::2], header[1::2], strict=True):
                    self.objects[number] = _Parser(body, first + offset).value()
        self.trailer = self._trailer()

    def _trailer(self) -> dict[str, Any]:
        for obj in self.objects.values():
            if isinstance(obj, Stream) and obj.dictionary.get("Type") == Name("XRef"):
                return obj.dictionary
        match = re.search(rb"trailer\s*", self.data)
        assert match, "no trailer"
        result = _Parser(self.data, match.end()).value()
        assert isinstance(result, dict)
        return result

    def get(self, value: Any) -> Any:
        while isinstance(value, Ref):
            value = self.objects[value.number]
        return value

    @property
    def catalog(self) -> dict[str, Any]:
        catalog = self.get(self.trailer["Root"])
        assert isinstance(catalog, dict)
        return catalog

    @property
    def info(self) -> dict[str, Any]:
        info = self.get(self.trailer.get("Info"))
        return info if isinstance(info, dict) else {}

    def pages(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            node = self.get(node)
            if node.get("Type") == Name("Pages"):
                for kid in node["Kids"]:
                    walk(kid)
            else:
                result.append(node)

        walk(self.catalog["Pages"])
        return result

    def _cmap(self, font: dict[str, Any]) -> dict[bytes, str]:
        stream = self.get(font.get("ToUnicode"))
        mapping: dict[bytes, str] = {}
        if not isinstance(stream, Stream):
            return mapping
        text = stream.data
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                mapping[bytes.fromhex(src.decode())] = bytes.fromhex(dst.decode()).decode(
                    "utf-16-be"
                )
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])", block
            ):
                low, high = int(lo, 16), int(hi, 16)
                width = len(lo) // 2
                if dst.startswith(b"["):
                    targets = re.findall(rb"<([0-9a-fA-F]+)>", dst)
                    for code, target in zip(range(low, high + 1), targets, strict=False):
                        mapping[code.to_bytes(width, "big")] = bytes.fromhex(
                            target.decode()
                        ).decode("utf-16-be")
                else:
                    start = int(dst[1:-1], 16)
                    for code in range(low, high + 1):
                        mapping[code.to_bytes(width, "big")] = chr(start + code - low)
        return mapping

    def page_lines(self) -> list[list[str]]:
        """The text of each page, as the lines drawn (one per baseline, in drawing order)."""
        pages = []
        for page in self.pages():
            resources = self.get(page.get("Resources", {}))
            fonts = {
                name: self._cmap(self.get(font))
                for name, font in self.get(resources.get("Font", {})).items()
            }
            contents = self.get(page["Contents"])
            streams = contents if isinstance(contents, list) else [contents]
            data = b"\n".join(self.get(s).data for s in streams)
            pages.append(_show_text(data, fonts))
        return pages


def _decode(raw: bytes, cmap: dict[bytes, str]) -> str:
    if not cmap:
        return raw.decode("latin-1")
    width = len(next(iter(cmap)))
    return "".join(cmap.get(raw[i : i + width], "") for i in range(0, len(raw), width))


def _show_text(data: bytes, fonts: dict[str, dict[bytes, str]]) -> list[str]:
    parser = _Parser(data)
    operands: list[Any] = []
    lines: list[str] = []
    current: list[str] = []
    cmap: dict[bytes, str] = {}
    y: float | None = None

    def move(new_y: float) -> None:
        nonlocal y, current
        if y is not None and abs(new_y - y) > 0.5 and current:
            lines.append("".join(current))
            current = []
        y = new_y

    while True:
        parser.skip()
        if parser.pos >= len(data):
            break
        char = data[parser.pos : parser.pos + 1]
        if char in b"<([/" or char.isdigit() or char in b"+-.":
            operands.append(parser.value())
            continue
        operator = parser.token()
        if not operator:  # an unexpected delimiter: skip it
            parser.pos += 1
            continue
        if operator == b"Tf":
            cmap = fonts.get(operands[0].value, {})
        elif operator == b"Tm":
            move(float(operands[5]))
        elif operator in (b"Td", b"TD"):
            move((y or 0.0) + float(operands[1]))
        elif operator == b"T*":
            move((y or 0.0) + 1000.0)
        elif operator == b"Tj":
            current.append(_decode(operands[0], cmap))
        elif operator == b"TJ":
            current.extend(_decode(part, cmap) for part in operands[0] if isinstance(part, bytes))
        elif operator == b"BI":  # inline image: skip to EI
            end = data.index(b"EI", parser.pos)
            parser.pos = end + 2
        operands = []
    if current:
        lines.append("".join(current))
    return lines
