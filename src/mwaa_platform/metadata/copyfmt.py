"""PostgreSQL COPY text format, for the few tables whose secret columns are rewritten in Python."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

NULL = "\\N"
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def escape(value: str | None) -> str:
    if value is None:
        return NULL
    if not any(ch in value for ch in _ESCAPES):
        return value
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def unescape(field: str) -> str | None:
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            if nxt in _UNESCAPES:
                out.append(_UNESCAPES[nxt])
                i += 2
                continue
            if nxt.isdigit():  # \ooo octal, as COPY may emit for control characters
                j = i + 1
                while j < len(field) and j < i + 4 and field[j] in "01234567":
                    j += 1
                out.append(chr(int(field[i + 1:j], 8)))
                i = j
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def format_row(values: Sequence[str | None]) -> bytes:
    return ("\t".join(escape(v) for v in values) + "\n").encode()


def parse_lines(stream: Iterator[bytes]) -> Iterator[list[str | None]]:
    """Rows of a COPY text stream given as an iterator of byte lines."""
    for line in stream:
        text = line.decode().rstrip("\n")
        if text == "\\.":
            return
        yield [unescape(f) for f in text.split("\t")]
