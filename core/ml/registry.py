"""A tiny name -> factory registry; an unknown name is an error that lists the valid ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from core.errors import ConfigError
from core.settings import Settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Registry(Generic[T]):
    """Factories take the settings, then whatever run-time choices their kind has (threads, say) as arguments."""

    kind: str
    _factories: dict[str, tuple[Callable[..., T], str]] = field(default_factory=dict)

    def register(self, name: str, help: str) -> Callable[[F], F]:
        def deco(factory: F) -> F:
            self._factories[name] = (factory, help)
            return factory

        return deco

    def names(self) -> list[str]:
        return sorted(self._factories)

    def describe(self) -> dict[str, str]:
        return {name: help for name, (_, help) in sorted(self._factories.items())}

    def create(self, name: str, settings: Settings, *args: Any) -> T:
        try:
            factory, _ = self._factories[name]
        except KeyError:
            raise ConfigError(f"unknown {self.kind} backend '{name}'; valid names: {', '.join(self.names())}") from None
        return factory(settings, *args)
