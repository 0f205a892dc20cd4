"""The CLI's English counts: "1 customer", "2 customers"."""


def counted(number: float, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, in the plural (`noun` + "s" unless `plural` says) unless it is 1.
    A whole number shows as it is, a fraction as `:g` does (1.5, not 1.500000)."""
    shown = f"{number:g}" if isinstance(number, float) else str(number)
    return f"{shown} {noun if number == 1 else plural or noun + 's'}"
