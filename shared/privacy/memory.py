"""Caches in a process's memory that may hold customers' words register a function here that
empties them, so an erasure empties them in every process that loaded them, and a process that
never loaded them (ingest, the command line) does not load them to do so."""

from collections.abc import Callable

_FORGETTERS: list[Callable[[], None]] = []


def forgotten_on_erasure(forget: Callable[[], None]) -> Callable[[], None]:
    """Register `forget` (a decorator): it runs at every erasure this process acts on."""
    _FORGETTERS.append(forget)
    return forget


def forget_customers_words() -> None:
    for forget in _FORGETTERS:
        forget()
