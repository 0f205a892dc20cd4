"""The CLI's English counts: "1 customer", "2 customers"."""


def inflected(number: float, noun: str, plural: str | None = None) -> str:
    """`noun` in the plural (`noun` + "s" unless `plural` says) unless `number` is 1."""
    return noun if number == 1 else plural or noun + "s"


def counted(number: float, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, in the plural unless it is 1 (`inflected`). A whole number shows as
    it is, a fraction as `:g` does (1.5, not 1.500000)."""
    shown = f"{number:g}" if isinstance(number, float) else str(number)
    return f"{shown} {inflected(number, noun, plural)}"
