"""The text encoding of a CSV file.

An encoding the caller gives is used as given (a UTF-8 file that starts with
a byte-order mark is read as ``utf-8-sig`` even when ``utf-8`` is given, so
the first header does not start with U+FEFF). Otherwise it is detected from
the first :data:`SAMPLE_BYTES` bytes:

1. a byte-order mark: ``utf-8-sig``, ``utf-16`` or ``utf-32``;
2. a strict UTF-8 decode of the sample: ``utf-8`` (plain ASCII is UTF-8);
3. else charset-normalizer over the sample. GBK and GB2312 are read as
   ``gb18030``, their superset; and GB18030 is chosen over Korean or Japanese
   EUC encodings (:data:`_RIVALS`) when charset-normalizer finds it as
   plausible, or whenever the sample is valid GB18030: Chinese is what these
   files hold, and a few Chinese words among ASCII (a GBK export of orders,
   of people) are just as valid EUC-KR, which charset-normalizer may then
   prefer. Big5 and Shift_JIS are left to charset-normalizer's judgement.

A sample cut at :data:`SAMPLE_BYTES` ends at its last line break, so a
multibyte character is never split (in UTF-8, GBK and GB18030 no byte of a
multibyte character is a line feed); a sample without a line break is decoded
incrementally, which tolerates a character cut at its end.

Detection reads a sample, not the file: a byte the encoding cannot decode
further on is reported while reading (:class:`~perfloop.tabular.errors.DecodeError`).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Final

from charset_normalizer import from_bytes

from perfloop.tabular.errors import DecodeError, FileError

__all__ = ["SAMPLE_BYTES", "decode_error", "detect_encoding", "resolve_encoding"]

SAMPLE_BYTES: Final = 1 << 20
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CHINESE: Final = frozenset({"gb18030", "gbk", "gb2312", "hz"})
# double-byte encodings whose text is also valid GBK: short samples are mistaken for them
_RIVALS: Final = frozenset(
    {"cp949", "euc_kr", "johab", "euc_jp", "euc_jis_2004", "euc_jisx0213", "iso2022_kr"}
)


def _sample(path: Path) -> tuple[bytes, bool]:
    """The file's first bytes, and whether the file goes on after them."""
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES + 1)
    if len(sample) <= SAMPLE_BYTES:
        return sample, False
    sample = sample[:SAMPLE_BYTES]
    end = sample.rfind(b"\n")
    return (sample[: end + 1] if end > 0 else sample), True


def detect_encoding(path: Path) -> str:
    """The encoding a CSV file's text is in (see the module's notes).
    Raises FileError when no text encoding fits."""
    sample, more = _sample(path)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=not more)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    results = from_bytes(sample)
    best = results.best()
    if best is None:
        raise FileError(
            f"{path.name} is not text in any encoding known (is it really a CSV file?); "
            "if it is, give its encoding with --encoding",
            f"{path.name} 无法识别为文本（确实是 CSV 文件吗？）；"
            "如果是，请用 --encoding 指定其编码",
            path=path,
        )
    chinese = [m for m in results if m.encoding in _CHINESE]
    if best.encoding in _CHINESE or (chinese and chinese[0].chaos <= best.chaos):
        return "gb18030"
    if best.encoding in _RIVALS and _decodes(sample, "gb18030", final=not more):
        return "gb18030"
    return best.encoding


def _decodes(sample: bytes, encoding: str, *, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def resolve_encoding(path: Path, given: str | None) -> tuple[str, bool]:
    """The encoding to read ``path`` in, and whether it was detected."""
    if given is None:
        return detect_encoding(path), True
    try:
        name = codecs.lookup(given).name
    except LookupError:
        raise FileError(
            f"{given!r} is not an encoding known (try utf-8, gb18030 or gbk)",
            f"“{given}”不是可识别的编码（可用 utf-8、gb18030 或 gbk）",
            path=path,
        ) from None
    if name == "utf-8":
        with path.open("rb") as f:
            if f.read(3) == codecs.BOM_UTF8:
                return "utf-8-sig", False
    return given, False


def _bad_line(path: Path, encoding: str) -> int | None:
    """The first line holding bytes not text in ``encoding`` (the slow path,
    taken once an error is known): lines are counted in the decoded text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    try:
        with path.open("rb") as f:
            for chunk in f:  # split at b"\n": whole lines for ASCII-compatible codecs
                line += decoder.decode(chunk).count("\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return line
    return None


def decode_error(path: Path, encoding: str, reason: str) -> DecodeError:
    """The error for a file whose text is not in ``encoding``, naming the line."""
    line = _bad_line(path, encoding)
    suggestion = "utf-8" if codecs.lookup(encoding).name.startswith("gb") else "gb18030"
    where, where_zh = (f"line {line}", f"第 {line} 行") if line else ("a line", "某一行")
    return DecodeError(
        f"{path.name}: {where} is not valid {encoding} text ({reason}). Save the file as "
        f"UTF-8, or give its encoding with --encoding (for example --encoding {suggestion})",
        f"{path.name}：{where_zh}不是有效的 {encoding} 文本（{reason}）。请将文件另存为 "
        f"UTF-8，或用 --encoding 指定其编码（例如 --encoding {suggestion}）",
        path=path,
        encoding=encoding,
        line=line,
    )
