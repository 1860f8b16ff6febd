"""The public API of a generated package, read from its source (parsed, never imported), and what
changed in it between two generations, in the user's terms: ``class Job renamed to JobPosting``,
``keyword x_service_id removed from 12 methods``.

What a user's code can touch is the surface: the names the package exports (``__all__``), and in its
public modules (no leading underscore) every public class with its bases, fields (annotation, default and
wire name), enum members (value), methods and properties (keywords with annotation and default, return
annotation), and module-level functions. The async twin of a class (``AsyncX`` beside ``X``) and the
``...WithRawResponse`` / ``...WithStreamingResponse`` wrappers follow their class, so they are not
counted twice. Whatever is removed or changed is breaking, and so is a required keyword or field added (a
call or constructor written for the old package fails); whatever else is added is an addition.

Only what changed is parsed: the modules are cut into top-level definitions (``core.format.split``),
and only the definitions found on one side and not the other are read.
"""

from __future__ import annotations

import ast
import collections
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..core.format import split

#: A surface: key -> what the user sees of it. Keys are (kind, qualified name, member), e.g.
#: ("field", "models.Job", "title") -> "str | None = None".
Key = tuple[str, str, str]
Surface = dict[Key, str]

_WRAPPERS = ("WithRawResponse", "WithStreamingResponse")
_SAMPLES = 3  # names shown for a change made in many places


@dataclass(frozen=True, order=True)
class ApiChange:
    level: Literal["breaking", "added"]
    text: str


def changes(old: Mapping[str, str | None], new: Mapping[str, str | None], package: str) -> list[ApiChange]:
    """The public API changes from the ``old`` files of a package to the ``new`` ones (paths as in the
    output folder: ``<package>/models/__init__.py``...)."""
    before, after = _definitions(old, package), _definitions(new, package)
    gone, came = before - after, after - before
    a, b = _surface(gone.elements()), _surface(came.elements())
    for key in [k for k in a if b.get(k) == a[k]]:  # the definition changed elsewhere (a docstring)
        del a[key], b[key]
    return _described(a, b)


def _definitions(files: Mapping[str, str | None], package: str) -> collections.Counter[tuple[str, str]]:
    """(module, top-level chunk) of each public module of the package."""
    found: collections.Counter[tuple[str, str]] = collections.Counter()
    prefix = package + "/"
    for path, text in files.items():
        if not (text and path.startswith(prefix) and path.endswith(".py")):
            continue
        module = path[len(prefix) : -3].replace("/", ".")
        if module.endswith("__init__"):
            module = module[: -len("__init__")].rstrip(".")
        if module.startswith("models._"):  # models/ is one public module: its names live in private ones
            module = "models"
        if any(part.startswith("_") and part != "" for part in module.split(".")):
            continue  # private modules: what they export is in __all__
        found.update((module, chunk) for chunk in split(text))
    return found


def _surface(chunks: Iterable[tuple[str, str]]) -> Surface:
    out: Surface = {}
    for module, chunk in chunks:
        try:
            tree = ast.parse(chunk)
        except SyntaxError:
            continue
        for node in tree.body:
            _node(out, module, node)
    return out


def _node(out: Surface, module: str, node: ast.stmt) -> None:
    where = f"{module}." if module else ""
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
        if isinstance(node.value, (ast.List, ast.Tuple)):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    out[("export", module or "package", element.value)] = ""
    elif isinstance(node, ast.ClassDef) and _public_class(node.name):
        name = where + node.name
        out[("class", name, "")] = ", ".join(ast.unparse(b) for b in node.bases)
        enum = any(ast.unparse(b).endswith("Enum") for b in node.bases)
        for item in node.body:
            _member(out, name, item, enum)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
        _function(out, where.rstrip(".") or "package", node)


def _public_class(name: str) -> bool:
    return not (name.startswith("_") or name.endswith(_WRAPPERS))


def _member(out: Surface, cls: str, item: ast.stmt, enum: bool) -> None:
    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and not item.target.id.startswith("_"):
        out[("field", cls, item.target.id)] = _field(item.annotation, item.value)
    elif enum and isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
        if not item.targets[0].id.startswith("_"):
            out[("member", cls, item.targets[0].id)] = ast.unparse(item.value)
    elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if item.name == "__init__":
            _function(out, cls, item, "constructor")
        elif not item.name.startswith("_") and not any(
            isinstance(d, ast.Name) and d.id == "overload" for d in item.decorator_list
        ):
            _function(out, cls, item)


def _field(annotation: ast.expr, value: ast.expr | None) -> str:
    """A field as users' code sees it: its type, its default and its wire name, ``str | None = None
    (wire 'firstName')``, however the declaration spells them. ``x: T = pydantic.Field(default=None,
    alias="w")`` and ``x: Annotated[T, pydantic.Field(alias="w")] = None`` read the same; a
    ``validation_alias`` or ``serialization_alias`` is the wire name too, and a deprecation is no
    change to what a user's code can do (reading the field warns)."""
    calls = []
    if (
        isinstance(annotation, ast.Subscript)
        and ast.unparse(annotation.value).rsplit(".", 1)[-1] == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        kept = [m for m in annotation.slice.elts[1:] if not _field_call(m)]
        calls = [m for m in annotation.slice.elts[1:] if _field_call(m)]
        if calls:
            base = annotation.slice.elts[0]
            annotation = (
                ast.Subscript(annotation.value, ast.Tuple([base, *kept], ast.Load()), ast.Load()) if kept else base
            )
    default = None if value is None else ast.unparse(value)
    if value is not None and _field_call(value):
        assert isinstance(value, ast.Call)
        calls.append(value)
        given = value.args[:1] or [k.value for k in value.keywords if k.arg == "default"]
        factory = [k.value for k in value.keywords if k.arg == "default_factory"]
        default = ast.unparse(given[0]) if given else f"{ast.unparse(factory[0])}()" if factory else None
    wire = None
    for call in calls:
        assert isinstance(call, ast.Call)
        named = {k.arg: k.value for k in call.keywords if k.arg}
        for keyword in ("alias", "serialization_alias", "validation_alias"):
            found = named.get(keyword)
            if wire is None and isinstance(found, ast.Constant) and isinstance(found.value, str):
                wire = found.value
    return (
        _type(annotation) + ("" if default is None else " = " + default) + ("" if wire is None else f" (wire {wire!r})")
    )


def _field_call(node: ast.expr) -> bool:
    """``pydantic.Field(...)`` (or ``Field(...)``)."""
    return isinstance(node, ast.Call) and ast.unparse(node.func) in ("pydantic.Field", "Field")


def _type(node: ast.expr | None) -> str:
    """An annotation as users' code sees it: ``builtins.list[X]`` (written where a method is called
    ``list``) is ``list[X]``."""
    return re.sub(r"(?<![\w.])builtins\.", "", ast.unparse(node)) if node is not None else ""


def _function(out: Surface, owner: str, node: ast.FunctionDef | ast.AsyncFunctionDef, kind: str = "") -> None:
    name = f"{owner}.{node.name}" if not kind else owner
    decorators = {ast.unparse(d).rsplit(".", 1)[-1] for d in node.decorator_list}
    if decorators & {"property", "cached_property"}:
        out[("property", owner, node.name)] = _type(node.returns)
        return
    if not kind:
        out[("method", name, "")] = _type(node.returns)
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]:
        if arg.arg in ("self", "cls") or arg.arg.startswith("_"):
            continue
        annotation = _type(arg.annotation)
        out[(kind or "keyword", name, arg.arg)] = annotation + (" = " + ast.unparse(default) if default else "")


def _described(a: Surface, b: Surface) -> list[ApiChange]:
    """The changes in words, one per change; a keyword changed the same way in many methods (removed
    from 12, say) is one line naming how many and the first few."""
    lines: dict[tuple[str, str, str], list[str]] = collections.defaultdict(list)  # (level, what, how) -> where
    for old_name, new_name in _renamed_classes(a, b).items():
        lines[("breaking", f"class {_short(old_name)} renamed to {_short(new_name)}", "")].append("")
        for side, name in ((a, old_name), (b, new_name)):
            short = name.rsplit(".", 1)[-1]
            for key in [k for k in side if k[1] == name or k[1].startswith(name + ".") or k[::2] == ("export", short)]:
                del side[key]  # its members, and its name in __all__, go with it
    for old_name, new_name in _moved_methods(a, b).items():
        if not _async(old_name):
            how = "renamed" if old_name.rsplit(".", 1)[0] == new_name.rsplit(".", 1)[0] else "moved"
            lines[("breaking", f"method {_short(old_name)}() {how} to {_short(new_name)}()", "")].append("")
        for side, name in ((a, old_name), (b, new_name)):
            for key in [k for k in side if k[1] == name and k[0] in ("method", "keyword")]:
                del side[key]  # its keywords go with it
    whole = {k[1] for k in (*a, *b) if k[0] in ("class", "method") and (k in a) != (k in b)}
    for key in sorted(set(a) | set(b)):
        kind, owner, member = key
        if _twin(owner, a, b) or (kind not in ("class", "method") and _outer(owner, kind) & whole):
            continue  # said with its sync twin, or with the class or method it belongs to
        old, new = a.get(key), b.get(key)
        label = _label(kind, owner, member)
        counted = _short(owner) + "()" if kind == "keyword" else _short(owner) if kind == "constructor" else ""
        if old is None and new is not None:
            required = kind in ("keyword", "field", "constructor") and not _has_default(new)
            lines[
                ("breaking" if required else "added", f"{'required ' if required else ''}{label}", "added to")
            ].append(counted)
        elif new is None and old is not None:
            lines[("breaking", label, "removed from")].append(counted)
        elif old is not None and new is not None and kind in ("keyword", "constructor") and _widened(old, new):
            lines[("added", f"{label} takes more ({_show(old)} -> {_show(new)})", "in")].append(counted)
        elif old is not None and new is not None and old != new:
            lines[("breaking", f"{label} changed ({_show(old)} -> {_show(new)})", "in")].append(counted)
    out = []
    for (level, what, how), places in lines.items():
        named = sorted({p for p in places if p})
        verb, _, preposition = how.partition(" ")
        head = what if how == "in" or not how else f"{what} {verb}"
        if named:
            noun = "methods" if named[0].endswith("()") else "classes"
            shown = ", ".join(named[:_SAMPLES]) + (", ..." if len(named) > _SAMPLES else "")
            head += f" {preposition or 'in'} " + (named[0] if len(named) == 1 else f"{len(named)} {noun} ({shown})")
        out.append(ApiChange(level, head))  # type: ignore[arg-type]
    return sorted(out, key=lambda c: (c.level != "breaking", c.text))


#: How each kind of surface entry is named in the CHANGELOG ({owner}: its short name, {member}: the member).
_LABELS = {
    "class": "class {owner}",
    "export": "export {member}",
    "method": "method {owner}()",
    "keyword": "keyword {member}",
    "constructor": "constructor keyword {member}",
    "property": "attribute {owner}.{member}",
    "member": "enum member {owner}.{member}",
    "field": "field {owner}.{member}",
}


def _label(kind: str, owner: str, member: str) -> str:
    return _LABELS[kind].format(owner=_short(owner), member=member)


def _short(name: str) -> str:
    """``resources.jobs.JobsResource.list`` -> ``JobsResource.list``; ``models.Job`` -> ``Job``."""
    parts = name.split(".")
    first = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
    return ".".join(parts[first:])


def _outer(owner: str, kind: str) -> set[str]:
    """The class (and for a keyword, the method) a member belongs to."""
    parts = owner.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} if kind == "keyword" else {owner}


def _twin(owner: str, a: Surface, b: Surface) -> bool:
    """An ``AsyncX`` whose ``X`` is on the same side: its changes are X's, said once."""
    parts = owner.split(".")
    index = next((i for i, p in enumerate(parts) if p.startswith("Async") and p[5:6].isupper()), None)
    if index is None:
        return False
    sync = ".".join([*parts[:index], parts[index][5:], *parts[index + 1 :]])
    return any(k[1] == sync for k in (*a, *b))


def _renamed_classes(a: Surface, b: Surface) -> dict[str, str]:
    """A class gone and a class come in the same module with the same members: a rename."""

    def members(side: Surface, cls: str) -> frozenset[tuple[str, str, str]]:
        return frozenset((k[0], k[2], v) for k, v in side.items() if k[1] == cls and k[0] != "class")

    gone = [k[1] for k in a if k[0] == "class" and ("class", k[1], "") not in b]
    came = [k[1] for k in b if k[0] == "class" and ("class", k[1], "") not in a]
    out: dict[str, str] = {}
    for old in gone:
        shape = members(a, old)
        match = [
            new
            for new in came
            if new not in out.values()
            and new.rsplit(".", 1)[0] == old.rsplit(".", 1)[0]
            and members(b, new) == shape
            and a[("class", old, "")] == b[("class", new, "")]
        ]
        if len(match) == 1:
            out[old] = match[0]
    return out


def _moved_methods(a: Surface, b: Surface) -> dict[str, str]:
    """A method gone and a method come (in the same class or another) with the same keywords and return
    type, and no other method of either side that matches: the same operation, renamed or moved. An async
    twin pairs with an async twin."""

    def shape(side: Surface, method: str) -> tuple[object, ...]:
        keywords = frozenset((k[2], v) for k, v in side.items() if k[0] == "keyword" and k[1] == method)
        return (_async(method), side[("method", method, "")], keywords)

    gone = [k[1] for k in a if k[0] == "method" and k not in b]
    came = [k[1] for k in b if k[0] == "method" and k not in a]
    shapes_gone = collections.Counter(shape(a, m) for m in gone)
    shapes_came = collections.Counter(shape(b, m) for m in came)
    by_shape = {shape(b, m): m for m in came}
    out: dict[str, str] = {}
    for old in gone:
        found = shape(a, old)
        if shapes_gone[found] == 1 and shapes_came[found] == 1:
            out[old] = by_shape[found]
    return out


def _async(name: str) -> bool:
    """Whether a name lies in an ``AsyncX`` class (the async twin of ``X``)."""
    return any(p.startswith("Async") and p[5:6].isupper() for p in name.split("."))


def _has_default(signature: str) -> bool:
    """Whether a keyword or field (``T = default``, ``T (wire 'w')``) has a default: read as Python, so
    an ``=`` inside a literal or a wire name is not taken for one."""
    try:
        tree = ast.parse("_: " + re.sub(r" \(wire (?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)$", "", signature))
    except SyntaxError:
        return " = " in signature
    statement = tree.body[0] if len(tree.body) == 1 else None
    return isinstance(statement, ast.AnnAssign) and statement.value is not None


def _widened(old: str, new: str) -> bool:
    """A keyword whose type is a union of more (the old members kept) and whose default is the same:
    every call written for the old one still type-checks and means the same."""
    old_type, _, old_default = old.partition(" = ")
    new_type, _, new_default = new.partition(" = ")
    return old_default == new_default and set(_union(old_type)) < set(_union(new_type))


def _union(annotation: str) -> list[str]:
    """The members of ``A | B[C | D] | E`` at the top level."""
    members, depth, start = [], 0, 0
    for i, ch in enumerate(annotation):
        depth += 1 if ch in "[(" else -1 if ch in "])" else 0
        if depth == 0 and annotation.startswith(" | ", i):
            members.append(annotation[start:i])
            start = i + 3
    return [*members, annotation[start:]]


def _show(signature: str) -> str:
    return signature if len(signature) <= 80 else signature[:77] + "..."
