"""Coded, greppable error messages: C0xx config files, E0xx runtime. Each names the file and YAML path."""

from __future__ import annotations

from pathlib import Path


class ConfigError(ValueError):
    """ConfigError: a config file is invalid; ``str()`` is one line per problem, each with a code."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def format_problem(code: str, path: Path | str, where: str, message: str) -> str:
    """format_problem (str): ``[C012] sites/foo.yaml: ad.phones[0]: invalid CSS selector``."""
    return f"[{code}] {path}: {where or '<root>'}: {message}"


def pydantic_problems(code: str, path: Path | str, exc: object) -> list[str]:
    """Turn a pydantic ValidationError into coded one-line problems with YAML paths."""
    problems = []
    for err in exc.errors():  # type: ignore[attr-defined]
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
        problems.append(format_problem(code, path, where, err["msg"]))
    return problems
