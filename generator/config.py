"""Which APIs the project generates, read from ``[tool.generator]`` in pyproject.toml."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import tomllib

from .core.names import snake_identifier

#: The templates: the source tree's templates/, or the copy an installed wheel carries (pyproject's force-include).
TEMPLATES = next(
    (
        p
        for p in (Path(__file__).resolve().parent.parent / "templates", Path(__file__).resolve().parent / "_templates")
        if p.is_dir()
    ),
    Path("templates"),
)

#: A folder name under the output directory: no separators, no leading dot, nothing a shell or Windows trips on.
_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class ApiConfig:
    name: str  # short name, also the folder under the output directory
    spec: Path
    overlays: tuple[Path, ...] = ()
    package: str = ""  # import package; default "<name>_client"
    client: str = ""  # client class; default from the spec's title
    base_url_param: str = "base_url"
    dist_name: str = ""  # distribution name; default "<name>-client"

    def __post_init__(self) -> None:
        if not _FOLDER.fullmatch(self.name):
            raise ConfigError(
                f"API name {self.name!r} must be a plain folder name"
                " (letters, digits, '_', '.', '-'; no leading dot or '-')"
            )
        package = self.package_name
        if not package.isidentifier() or not package.isascii() or keyword.iskeyword(package):
            raise ConfigError(f"package {package!r} is not a Python identifier")
        if package in sys.stdlib_module_names or package in {"httpx", "pydantic", "typing_extensions"}:
            raise ConfigError(f"package {package!r} would shadow a module its users import")
        if not self.base_url_param.isidentifier() or keyword.iskeyword(self.base_url_param):
            raise ConfigError(f"base-url-param {self.base_url_param!r} is not a Python identifier")
        if self.client and (
            not self.client.isidentifier() or not self.client.isascii() or keyword.iskeyword(self.client)
        ):
            raise ConfigError(f"client class {self.client!r} is not a Python identifier")

    @property
    def package_name(self) -> str:
        return self.package or f"{snake_identifier(self.name, fallback='api')}_client"

    @property
    def distribution(self) -> str:
        return self.dist_name or self.package_name.replace("_", "-")


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    output: Path
    apis: tuple[ApiConfig, ...]


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
