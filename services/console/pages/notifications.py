"""The order notifications page, for the store's owners: each order status with its approved
template, the order fields that fill the template's variables, and the quiet hours. A plain
form (no script); it is saved by `orders.replace`, the same use case as the API and
`balas store notifications`, and its errors are shown beside their status in the admin's
language (docs/notifications.md#in-the-console)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.console.audit import Action, Actor, AuditLog
from services.console.auth.deps import CurrentUser, OwnerOnly, StoreAccess
from services.console.deps import Context
from services.console.i18n import request_lang
from services.console.pages.forms import text_fields
from services.console.pages.templating import render_page
from services.console.validation_text import localized
from shared.notifications import orders
from shared.notifications.orders import NotificationRules, NotifiedStatus, OrderField
from shared.stores.directory import Store

router = APIRouter(prefix="/stores/{store_id}/settings/notifications", dependencies=[OwnerOnly])

VARIABLE_ROWS = 4  # empty rows offered per status, or one more than it has
MAX_VARIABLE_ROWS = 10
_MAX_FIELDS = 3 + len(NotifiedStatus) * (1 + 2 * MAX_VARIABLE_ROWS)


@router.get("", response_class=HTMLResponse)
async def notifications_page(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    current = await orders.load(context.db, store.id)
    return await _page(request, context, user, store, _as_form(current))


@router.post("", response_class=HTMLResponse)
async def save_notifications(
    request: Request, context: Context, user: CurrentUser, store: StoreAccess
) -> HTMLResponse:
    given = await text_fields(request, max_fields=_MAX_FIELDS)
    try:
        saved = await orders.replace(context.db, store.id, _rules(given))
    except ValidationError as invalid:
        lang = request_lang(request)
        problems = invalid.errors(include_input=False, include_url=False)
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(_section(problem["loc"]), []).append(localized(problem, lang))
        return await _page(request, context, user, store, given, errors)
    await AuditLog(context.db).record(
        store.id,
        Actor(user.id, user.email),
        Action.NOTIFICATIONS_CHANGED,
        store.id,
        statuses=sorted(saved.templates),
    )
    return await _page(request, context, user, store, _as_form(saved), saved=True)


async def _page(
    request: Request,
    context: Context,
    user: CurrentUser,
    store: Store,
    form: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    return await render_page(
        request,
        context.db,
        "notifications.html",
        user=user,
        store_id=store.id,
        active="settings",
        values={
            "form": form,
            "errors": errors or {},
            "saved": saved,
            "statuses": [status.value for status in NotifiedStatus],
            "fields": [field.value for field in OrderField],
            "rows": {status.value: range(_rows(form, status)) for status in NotifiedStatus},
            "store_timezone": store.timezone,
        },
        status_code=422 if errors else 200,
    )


def _rules(given: dict[str, str]) -> dict[str, Any]:
    """The form as the setting's JSON (the API's body): a status without a template is not
    notified; a variable row without a field is empty."""
    templates: dict[str, Any] = {}
    for status in NotifiedStatus:
        template = given.get(f"{status}.template", "")
        if not template:
            continue
        variables = {}
        for row in range(MAX_VARIABLE_ROWS):
            field = given.get(f"{status}.field.{row}", "")
            if field:
                variables[given.get(f"{status}.key.{row}", "") or str(row + 1)] = field
        templates[status.value] = {"template": template, "variables": variables}
    start, end = given.get("quiet.start", ""), given.get("quiet.end", "")
    quiet = {"start": start, "end": end} if start or end else None
    return {"templates": templates, "quiet_hours": quiet}


def _as_form(rules: NotificationRules) -> dict[str, str]:
    """The saved setting as the form's fields (the variables in their order, one row each)."""
    form: dict[str, str] = {}
    for status, template in rules.templates.items():
        form[f"{status}.template"] = template.template
        for row, (key, field) in enumerate(template.variables.items()):
            form[f"{status}.key.{row}"] = key
            form[f"{status}.field.{row}"] = field.value
    if rules.quiet_hours is not None:
        form["quiet.start"] = f"{rules.quiet_hours.start:%H:%M}"
        form["quiet.end"] = f"{rules.quiet_hours.end:%H:%M}"
    return form


def _rows(form: dict[str, str], status: NotifiedStatus) -> int:
    used = sum(1 for name in form if name.startswith(f"{status}.field."))
    return min(MAX_VARIABLE_ROWS, max(VARIABLE_ROWS, used + 1))


def _section(location: tuple[int | str, ...]) -> str:
    """Where an error is shown: beside its status, or by the quiet hours."""
    if len(location) > 1 and location[0] == "templates":
        return str(location[1])
    return "quiet"
