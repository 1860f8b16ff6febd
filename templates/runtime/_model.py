"""The base of every generated model, in a module of its own: defining a pydantic model loads pydantic's
model machinery (about 40 ms), which a client that has not parsed anything yet does not need.

Hand-written and copied verbatim into each generated package.
"""

from __future__ import annotations

import pydantic

__all__ = ["Model", "UnknownVariant"]


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


class UnknownVariant(Model):
    """A member of a union told apart by a property (OpenAPI's ``discriminator``) that this version of the
    client does not know: the server sent a tag the description does not list. Nothing is lost: every
    property is kept as received (``model_extra``, ``model_dump()``), and ``tag`` is the tag."""

    _wire: str = pydantic.PrivateAttr(default="")

    @property
    def tag(self) -> str | None:
        """The discriminator's value, as received."""
        value = (self.model_extra or {}).get(self._wire)
        return value if isinstance(value, str) else None
