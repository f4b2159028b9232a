"""Options shared by the ``perfloop import`` commands, which read files with
:mod:`perfloop.tabular`: a CSV file's encoding and a workbook's sheet."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["DETECT", "EncodingOption", "SheetOption", "encoding_or_none", "sheet_or_none"]

DETECT = "detect"

EncodingOption = Annotated[
    str,
    typer.Option(
        help=(
            "Text encoding of a CSV file, e.g. utf-8, gb18030, gbk; "
            f"'{DETECT}' reads it from the file (UTF-8 with or without BOM, GBK/GB18030, …)."
        ),
    ),
]
SheetOption = Annotated[
    str | None,
    typer.Option(
        help=(
            "Sheet of an .xlsx workbook: its name, or its position counted from 1 "
            "(default: the first sheet whose header names known columns)."
        ),
    ),
]


def encoding_or_none(encoding: str) -> str | None:
    """The encoding to read a CSV file in; None: detect it."""
    text = encoding.strip()
    return None if not text or text.lower() == DETECT else text


def sheet_or_none(sheet: str | None) -> str | None:
    """The sheet to read (a name, or digits for a position); None: the first data sheet."""
    return sheet if sheet is not None and sheet.strip() else None
