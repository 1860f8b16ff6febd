"""The base of every generated model, in a module of its own: defining a pydantic model loads pydantic's
model machinery (about 40 ms), which a client that has not parsed anything yet does not need.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import pydantic

__all__ = ["Model"]


class Model(pydantic.BaseModel):
    """Base of every generated model: wire names as aliases, unknown fields kept and dumped back."""

    model_config = pydantic.ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        protected_namespaces=(),
        use_enum_values=False,
        defer_build=True,  # validators are built on first use: importing a large API stays fast
    )
