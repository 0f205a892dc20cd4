"""Reading a page's form of a few typed fields: no files, each field within the console's limit,
so a forged form cannot make the parser hold more than a page ever sends."""

from fastapi import Request

from services.console.limits import FORM_FIELD_BYTES


async def text_fields(request: Request, max_fields: int, *, strip: bool = True) -> dict[str, str]:
    """The form's text fields, stripped of surrounding blanks unless they matter (passwords)."""
    form = await request.form(max_fields=max_fields, max_files=0, max_part_size=FORM_FIELD_BYTES)
    return {
        key: value.strip() if strip else value
        for key, value in form.items()
        if isinstance(value, str)
    }
