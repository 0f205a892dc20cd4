"""`balas … --help` names values in words, as click does (`--store STORE`, `FILE...`, `N`):
typer's own help shows Python types (`{files}...`, `<list[Path]>`, `--store <str>`)."""

from collections.abc import Iterable
from typing import Any, get_args

from typer.core import TyperArgument, TyperCommand


def value_name(param: Any) -> str:
    """What a person types for a typer parameter: the choices, FILE, N, else the argument's name
    (`document_id`: DOCUMENT_ID) or the option's last word (`--consumer-key`: KEY). A parameter
    whose name does not say it sets its own metavar (`--from TIME`)."""
    described = param.type_descriptor
    if described.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in described.choices) + "]"
    if described.is_path:
        return "DIR" if described.parameter_info.file_okay is False else "FILE"
    element = get_args(described.annotation)[0] if described.is_list else described.annotation
    if element in (int, float):
        return "N"
    if isinstance(param, TyperArgument):
        name = str(param.name)
        return (name.removesuffix("s") if described.is_list else name).upper()
    return str(max(param.opts, key=len)).lstrip("-").split("-")[-1].upper()


def name_values(params: Iterable[Any]) -> None:
    """Give every parameter that takes a value and has no metavar its `value_name`."""
    for param in params:
        if param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = value_name(param)


def _argument(argument: Any, usage: bool = False) -> str:
    name = str(argument.metavar)
    if usage and not argument.required:
        name = f"[{name}]"
    return f"{name}..." if argument.nargs != 1 else name


class WordedCommand(TyperCommand):
    """A command whose usage line and argument list show the metavars alone (typer adds braces
    and the Python type to them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_values(self.params)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        arguments = [p for p in self.get_params(ctx) if isinstance(p, TyperArgument)]
        options = [self.options_metavar] if self.options_metavar else []
        return options + [_argument(argument, usage=True) for argument in arguments]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                arguments.append((_argument(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
