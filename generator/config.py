"""Which APIs the project generates, read from ``[tool.generator]`` in pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .names import snake


@dataclass(frozen=True)
class ApiConfig:
    name: str  # short name, also the folder under the output directory
    spec: Path
    overlays: tuple[Path, ...] = ()
    package: str = ""  # import package; default "<name>_client"
    client: str = ""  # client class; default from the spec's title
    base_url_param: str = "base_url"
    dist_name: str = ""  # distribution name; default "<name>-client"

    @property
    def package_name(self) -> str:
        return self.package or f"{snake(self.name)}_client"

    @property
    def distribution(self) -> str:
        return self.dist_name or self.package_name.replace("_", "-")


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    output: Path
    apis: tuple[ApiConfig, ...]


class ConfigError(Exception):
    pass


def load_project(root: Path) -> ProjectConfig:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    section = data.get("tool", {}).get("generator", {})
    apis = []
    for index, entry in enumerate(section.get("apis", [])):
        try:
            apis.append(
                ApiConfig(
                    name=entry["name"],
                    spec=root / entry["spec"],
                    overlays=tuple(root / o for o in entry.get("overlays", [])),
                    package=entry.get("package", ""),
                    client=entry.get("client", ""),
                    base_url_param=entry.get("base-url-param", "base_url"),
                    dist_name=entry.get("distribution", ""),
                )
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: [[tool.generator.apis]] entry {index} needs {exc}") from None
    return ProjectConfig(root=root, output=root / section.get("output", "generated"), apis=tuple(apis))
