"""Files sent with a mutation: the GraphQL multipart request spec.

A client posts ``multipart/form-data`` with the parts ``operations`` (the
usual JSON body, the file variables null), ``map`` (which part goes to which
variable: ``{"0": ["variables.file"]}``) and the files
(https://github.com/jaydenseric/graphql-multipart-request-spec). The whole
body counts against ``max_request_bytes`` as any other (``app.py`` reads it
first). Resolvers take an ``Upload`` argument and open it with
:func:`saved_upload`: the file, under its own name, in a temporary folder that
is removed when the import is over, so the services read a path as they do
at the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import strawberry
from starlette.datastructures import UploadFile

from perfloop.services.core.errors import ErrorCode, ServiceError

__all__ = ["IMPORTABLE", "ImportRowError", "saved_upload"]

#: the suffixes an import reads
IMPORTABLE = (".csv", ".xlsx")
_UNSAFE = re.compile(r"[^\w.\- ]+")


def _name(upload: UploadFile, field: str) -> str:
    """The upload's own file name, made safe for a folder; INVALID unless it is a
    .csv or .xlsx file."""
    raw = Path((upload.filename or "").replace("\\", "/")).name
    suffix = Path(raw).suffix.lower()
    if suffix not in IMPORTABLE:
        shown = raw or "the file"
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{field}: {shown!r} is not a .csv or .xlsx file; only those can be imported "
            "(save an .xls workbook as .xlsx) / 只能导入 .csv 和 .xlsx 文件",
            (field,),
            zh=f"{field}：{shown!r} 不是 .csv 或 .xlsx 文件；只能导入这两种文件"
            "（.xls 工作簿请另存为 .xlsx）",
        )
    stem = _UNSAFE.sub("_", Path(raw).stem).strip(" .")[:100] or "upload"
    return stem + suffix


@contextlib.asynccontextmanager
async def saved_upload(value: object, field: str = "file") -> AsyncIterator[Path]:
    """The uploaded file ``value`` saved to a temporary folder, for the ``with``
    block; INVALID naming ``field`` when ``value`` is not a file of a multipart
    request (a string sent as the variable) or not a .csv/.xlsx file."""
    if not isinstance(value, UploadFile):
        raise ServiceError.one(
            ErrorCode.INVALID,
            f"{field} must be a file sent in a multipart/form-data request "
            "(the GraphQL multipart request spec)",
            (field,),
            zh=f"{field} 须是以 multipart/form-data 请求上传的文件",
        )
    name = _name(value, field)
    data = await value.read()
    with tempfile.TemporaryDirectory(prefix="perfloop-upload-") as folder:
        path = Path(folder) / name
        await asyncio.to_thread(path.write_bytes, data)
        del data
        yield path


@strawberry.type(
    description=(
        "One problem of a row of an imported file (or of its header), where a spreadsheet shows it."
    )
)
class ImportRowError:
    row: int = strawberry.field(
        description="The row as the spreadsheet numbers it (the header is usually row 1)."
    )
    column: str | None = strawberry.field(
        description="The column's (field's) canonical name; null for the row as a whole."
    )
    letter: str | None = strawberry.field(
        default=None, description="The column's letter in the file (A, B, …), when known."
    )
    message: str
    message_zh: str | None = strawberry.field(
        default=None, description="The message in Chinese, when there is one."
    )
