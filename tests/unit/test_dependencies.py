"""constraints.txt locks every dependency within pyproject.toml's bounds, and this environment
runs the locked versions (`make` installs with the lock, `make lock` rewrites it)."""

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [spec for specs in project["optional-dependencies"].values() for spec in specs]
    return [Requirement(spec) for spec in project["dependencies"] + extras]


@pytest.fixture(scope="module")
def pins() -> dict[NormalizedName, Version]:
    locked = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"not an exact pin: {line}"
            locked[canonicalize_name(requirement.name)] = Version(specifier.version)
    return locked


def test_every_declared_dependency_is_locked(pins: dict[NormalizedName, Version]) -> None:
    unlocked = [str(r) for r in _declared() if canonicalize_name(r.name) not in pins]

    assert unlocked == [], "run `make lock`"


def test_every_lock_satisfies_pyproject(pins: dict[NormalizedName, Version]) -> None:
    outside = {
        str(requirement): str(pin)
        for requirement in _declared()
        if (pin := pins.get(canonicalize_name(requirement.name)))
        and not requirement.specifier.contains(pin, prereleases=True)
    }

    assert outside == {}, "run `make lock`"


def _installed(name: str) -> Version | None:
    try:
        return Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        return None


def test_the_environment_runs_the_locked_versions(pins: dict[NormalizedName, Version]) -> None:
    differing = {
        str(name): f"locked {pin}, installed {installed or 'nothing'}"
        for name, pin in pins.items()
        if (installed := _installed(name)) != pin
    }

    assert differing == {}, "reinstall with the lock: make test (or pip install -c constraints.txt)"
