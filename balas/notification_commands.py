"""`balas store notifications`: which approved template each order status sends, what fills
its variables, and the store's quiet hours (docs/notifications.md#order-notifications)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from balas.cli_support import StoreOption, console, require_store, with_db

if TYPE_CHECKING:
    from shared import mongo
    from shared.notifications.orders import OrderNotifications

StatusOption = Annotated[
    str | None,
    typer.Option(
        "--status",
        help="on-hold, processing, shipped, completed, cancelled or refunded.",
    ),
]
TemplateOption = Annotated[
    str | None,
    typer.Option(help="Twilio Content SID (HX...) or Cloud API template `name:language`."),
]
VariableOption = Annotated[
    list[str] | None,
    typer.Option(
        "--var",
        help="KEY=FIELD, e.g. 1=first_name; fields: order_number, first_name, total, "
        "tracking_number, courier. Repeat for each variable.",
    ),
]
QuietOption = Annotated[
    str | None,
    typer.Option(
        "--quiet",
        metavar="HOURS",
        help='Quiet hours in the store\'s time, "21:00-08:00"; "off": none.',
    ),
]


def store_notifications(
    store_id: StoreOption,
    status: StatusOption = None,
    template: TemplateOption = None,
    variables: VariableOption = None,
    remove: Annotated[bool, typer.Option("--remove", help="Send nothing for --status.")] = False,
    quiet: QuietOption = None,
) -> None:
    """Set the order notification of a status (--status with --template and --var, or
    --remove) and the quiet hours; with none of them, show the store's settings."""
    from pydantic import ValidationError

    from shared.notifications import orders

    async def work(db: mongo.Database) -> None:
        await require_store(db, store_id)
        current = await orders.load(db, store_id)
        try:
            changed = _changed(current, status, template, variables or [], remove, quiet)
        except (ValueError, ValidationError) as error:
            console.print(f"[red]{escape(str(error))}[/]")
            raise typer.Exit(2) from None
        if changed is not None:
            current = await orders.replace(db, store_id, changed)
        _show(current)

    with_db(work)


def _changed(
    current: OrderNotifications,
    status: str | None,
    template: str | None,
    variables: list[str],
    remove: bool,
    quiet: str | None,
) -> OrderNotifications | None:
    """The settings after the options; None when they ask for no change. Raises ValueError
    (or a ValidationError) for options that do not make a setting."""
    from shared.notifications.orders import NotifiedStatus, OrderTemplate, QuietHours

    if status is None and quiet is None:
        if template or variables or remove:
            raise ValueError("--template, --var and --remove need --status")
        return None
    settings = current.model_copy(deep=True)
    if status is not None:
        notified = NotifiedStatus(status)
        if remove:
            settings.templates.pop(notified, None)
        elif template is None:
            raise ValueError("--status needs --template (or --remove)")
        else:
            pairs = dict(variable_pair(variable) for variable in variables)
            settings.templates[notified] = OrderTemplate.model_validate(
                {"template": template, "variables": pairs}
            )
    if quiet is not None:
        if quiet == "off":
            settings.quiet_hours = None
        else:
            start, _, end = quiet.partition("-")
            settings.quiet_hours = QuietHours.model_validate({"start": start, "end": end})
    return settings


def variable_pair(variable: str) -> tuple[str, str]:
    key, sign, field = variable.partition("=")
    if not sign or not key or not field:
        raise ValueError(f"--var wants KEY=FIELD, not {variable!r}")
    return key, field


def _show(settings: OrderNotifications) -> None:
    if not settings.templates:
        console.print("no order notifications: nothing is sent")
    for status, template in settings.templates.items():
        filled = ", ".join(f"{key}={field.value}" for key, field in template.variables.items())
        console.print(f"{status.value}: {escape(template.template)} ({filled or 'no variables'})")
    hours = settings.quiet_hours
    quiet = f"{hours.start:%H:%M}-{hours.end:%H:%M}" if hours else "none"
    console.print(f"quiet hours: {quiet}")
