"""Multipart forms for the profiles, keeping the file names the seed clients get back.

`docwarden.api.uploads.read_upload` keeps bytes only; the Marker and
PhotoEnhanceAI answers name each file (`filename`, ZIP members), so the
profiles read the form here, under the same limits: at most MAX_BATCH files,
each within MAX_UPLOAD_MB, small text fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from docwarden.api.uploads import MAX_FIELD_BYTES, MAX_FORM_FIELDS
from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.settings import Settings


@dataclass(frozen=True)
class NamedFile:
    name: str
    data: bytes


@dataclass
class Form:
    """Files by field name (a field may repeat) and the text fields."""

    files: dict[str, list[NamedFile]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


async def read_form(request: Request, settings: Settings) -> Form:
    """The multipart body, or InvalidInput / InputTooLarge (never a bare Starlette 400)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidInput("send multipart/form-data")
    limit = settings.max_upload_bytes
    try:
        async with request.form(max_files=settings.max_batch + 2, max_fields=MAX_FORM_FIELDS,
                                max_part_size=MAX_FIELD_BYTES) as raw:
            form = Form()
            for name, value in raw.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read(limit + 1)
                    if len(data) > limit:
                        raise InputTooLarge(f"{value.filename or name} is over the upload limit "
                                            f"of {limit:,} bytes (DOCWARDEN_MAX_UPLOAD_MB)")
                    form.files.setdefault(name, []).append(NamedFile(value.filename or "", data))
                else:
                    form.fields[name] = value
            return form
    except StarletteHTTPException as error:
        detail = str(error.detail)
        if "Too many files" in detail:
            raise InputTooLarge(f"more than {settings.max_batch} files in one request "
                                "(DOCWARDEN_MAX_BATCH)") from None
        raise InvalidInput(f"the multipart body cannot be read: {detail}") from None
