"""Catalogue registries with versioned names (spaCy style): ``@registry.linkers("phone_exact.v1")``.

Built-in linkers, features and scorers register exactly as a contributor's would; changed behaviour gets
a new ``.vN`` name while the old one keeps its meaning, and every result row stores the name it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Registry:
    """Registry: name -> function, for one kind of component."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Callable[..., Any]] = {}

    def __call__(self, name: str) -> Callable[[F], F]:
        if "." not in name or not name.rsplit(".", 1)[1].startswith("v"):
            raise ValueError(f"[E101] {self.kind} name {name!r} must end in a version such as '.v1'")

        def deco(func: F) -> F:
            if name in self._items and self._items[name] is not func:
                raise ValueError(f"[E102] {self.kind} {name!r} is already registered")
            self._items[name] = func
            return func

        return deco

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"[E103] no {self.kind} named {name!r}; known: {sorted(self._items)}") from None

    def names(self) -> list[str]:
        return sorted(self._items)


class _Registries:
    linkers = Registry("linker")
    features = Registry("feature")
    scorers = Registry("scorer")


registry = _Registries()
