"""Where each operation goes and what its method is called: the names a person would write.

- **Resource**: ``x-sdk-group`` (or Speakeasy's ``x-speakeasy-group``), else the first tag, else, for an
  untagged operation, the first path segment after its version prefix (``/v1/accounts/{account}`` ->
  ``accounts``), however many operations it holds. The version prefix is the run of leading segments that
  name a version or an API root (``v1``, ``v2beta1``, ``v1.2``, ``2024-01-01``, ``api``, ``apis``, ``rest``;
  ``/api/v1/jobs`` -> ``jobs``), read from each path alone, leaving it one segment at least: what other
  paths hold never moves an operation. An untagged path with no segment to name it (AWS's query
  protocol: every EC2 operation is ``/#Action=DescribeInstances``) goes in the resource its action's noun
  names, with the action's verb as its method (``instances.describe``, ``vpc_peering_connections.accept``;
  the action is the fragment's ``Action=`` value, else the operationId without a ``GET_``/``POST_``
  prefix, and has a verb and a noun). An untagged path that starts with a parameter (``/{name}``) stays
  on the client. A dotted operationId that spells a resource path and a verb (Google's ``jobs.projects.jobs.list``
  under tag ``projects``) places its operation in the sub-resources named after the tag's word
  (``projects.jobs``) and names it by the verb (``list``).
- **Method**: ``x-sdk-name`` (or ``x-speakeasy-name-override``) as written. Otherwise the name is read
  within its resource: an operationId spelled from its method and path (Stripe's ``GetAccountsAccount``,
  Mailchimp's ``getAutomationsIdEmailsId``), or no operationId at all, is named from the path's shape
  below the resource (``list``, ``get``, ``create``, ``update``, ``delete``, ``list_bank_accounts``,
  ``get_email``, ``capture``); where the path is not the resource's own (Box's ``GET /files/{file_id}/content``
  under tag ``Downloads``), from the whole path's shape, with the nouns whose ids the path holds saying
  whose (``get_file_content``); a ``#fragment`` that tells operations on one path apart names the
  operation where it starts with a verb (``#add_shared_link``), else is added to the name. Any other
  operationId loses the resource's words (``applicantsAll`` in ``applicants`` -> ``all``) and becomes
  ``list``/``get``/``create``/``update``/``delete`` where what is left plainly says that and the method
  and path agree (``all`` on ``GET /applicants`` -> ``list``).
- **Collisions**: ``x-sdk-name`` first; then the names lock (``lock``): an operation the previous
  generation named, still in the same resource, keeps its name; a name wanted by two newcomers of one
  resource goes to the one with the plainer path (fewer nouns, then fewer segments); the others fall
  back to a longer name (every noun below the resource, then their operationId's), and warning W400 says
  so for each.

Where an operation goes reads only the operation and its path; its names read only the operation, its
path and the methods of its own path item. Nothing the whole document holds decides either, so an
operation added elsewhere moves nothing, and what an addition to its own path item would change (``GET
.../dispute`` is ``dispute`` alone, ``get_dispute`` beside a ``POST``), as what a newcomer with a plainer
path would take, the names lock keeps.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import ir
from .. import pointer as jp
from ..diagnostics import Diagnostics
from ..names import NameScope, snake, snake_identifier
from .lock import NO_LOCK, NamesLock, operation_key
from .naming import CLIENT_ATTRS, _group, _method_name

_PARAM = re.compile(r"^\{[^}]*\}$")
_TEMPLATE = re.compile(r"\{[^}]*\}")

#: What an operationId's remaining words say, by the method name they become.
_SYNONYMS = {
    "list": {"list", "all", "list_all", "get_all", "find_all", "fetch_all", "index", "search_all"},
    "get": {"one", "get_one", "retrieve", "read", "show", "get_by_id", "find_by_id", "fetch_by_id", "by_id"},
    "create": {"create", "add", "new", "post", "insert", "create_one", "add_one"},
    "update": {"update", "patch", "edit", "modify", "put", "update_one", "update_by_id"},
    "delete": {"delete", "remove", "destroy", "del", "delete_one", "delete_by_id", "remove_by_id"},
}
#: Words that say list or get by the path: a collection is listed, an item got.
_LIST_OR_GET = {"get", "find", "fetch"}
#: First words of a path's ``#fragment`` that make it a method name by itself (``#add_shared_link``).
_VERBS = frozenset(
    {"get", "list", "create", "add", "set", "update", "replace", "delete", "remove", "find", "fetch", "search"}
    | {"read", "retrieve", "edit", "modify", "patch", "put", "post", "insert", "destroy", "upload", "download"}
)
#: A part of a dotted operationId (``jobs``, ``batchDelete``).
_DOTTED_PART = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


#: Builtins every method signature is written with: a method of that name would hide them in its class.
SIGNATURE_TYPES = frozenset({"str", "int", "float"})
#: Builtins an annotation may use that a method may be called (``list``): where one is, the annotations
#: of its class say ``builtins.list`` (``unshadowed``), as a type checker would otherwise see the method.
SHADOWABLE = frozenset({"list", "dict", "set", "tuple", "bytes", "bool", "type", "object", "frozenset"})
_QUOTED_OR_NAME = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?<![\w.])([a-z]+)\b""")


def unshadowed(ops: Sequence[ir.Operation]) -> list[ir.Operation]:
    """``ops`` (the methods of one class) with each builtin a method of theirs is named after written
    ``builtins.<name>`` in their annotations (string literals in them left alone)."""
    shadowed = {op.name for op in ops} & SHADOWABLE
    if not shadowed:
        return list(ops)

    def fix(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(2)
            return f"builtins.{name}" if name in shadowed else match.group(0)

        return _QUOTED_OR_NAME.sub(one, text)

    out = []
    for op in ops:
        body = op.body
        if body is not None:
            fields = (
                tuple(replace(f, annotation=fix(f.annotation)) for f in body.fields) if body.fields else body.fields
            )
            body = replace(body, annotation=fix(body.annotation), fields=fields)
        pagination = op.pagination
        if pagination is not None:
            pagination = replace(pagination, item_annotation=fix(pagination.item_annotation))
        out.append(
            replace(
                op,
                params=tuple(replace(p, annotation=fix(p.annotation)) for p in op.params),
                body=body,
                responses=tuple(replace(r, annotation=fix(r.annotation)) for r in op.responses),
                errors=tuple(replace(r, annotation=fix(r.annotation)) for r in op.errors),
                return_annotation=fix(op.return_annotation),
                pagination=pagination,
            )
        )
    return out


@dataclass(frozen=True)
class Placed:
    """One operation with the resource it goes in and the method names it may take, best first."""

    path: str
    method: str
    item: dict[str, Any]
    op: dict[str, Any]
    group: tuple[str, ...]
    candidates: tuple[str, ...]
    pinned: bool  # named by x-sdk-name: no other name is tried

    @property
    def key(self) -> str:
        """How the names lock knows the operation: ``"PATCH /jobs/{id}"``."""
        return operation_key(self.method, self.path)


def place(paths: dict[Any, Any], methods: Sequence[str], document: Any = None) -> list[Placed]:
    """Every operation of ``paths`` (document order) with its resource and method-name candidates.
    ``document`` (the root document) resolves a ``requestBody`` given as a local ``$ref``."""
    entries = [
        (str(path), method, item, item[method])
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in item
        if method in methods and isinstance(item[method], dict)
    ]
    placed = []
    for path, method, item, op in entries:
        prefix = version_prefix(_segments(path))
        group = tuple(_group(op))
        dotted = _dotted(op, group)
        if dotted is not None:
            group = (*group, *dotted[0])
        acted = None
        if not group:
            key = _resource_segment(path, prefix)
            if key:
                group = (key + "_" if key in CLIENT_ATTRS else key,)
            elif (acted := _action(path, op)) is not None:
                group = (acted[0] + "_" if acted[0] in CLIENT_ATTRS else acted[0],)
        pinned = op.get("x-sdk-name", op.get("x-speakeasy-name-override"))
        original = _method_name(op, method, path)
        if isinstance(pinned, str) and snake(pinned):
            candidates: tuple[str, ...] = (original,)
        elif acted is not None:  # one action, often sent both ways (GET and POST): the verb, then with the method
            verb = acted[1].rstrip("_")
            candidates = tuple(dict.fromkeys((acted[1], f"{verb}_{method}", original)))
        elif dotted is not None:
            candidates = tuple(dict.fromkeys((dotted[1], original)))
        elif group:
            siblings = set(item) & set(methods)
            sends_file = _sends_file(op, document)
            candidates = _candidates(op, method, path, group[-1], prefix, original, siblings, sends_file)
        else:
            candidates = (original,)
        placed.append(
            Placed(path, method, item, op, group, candidates, isinstance(pinned, str) and bool(snake(pinned)))
        )
    return placed


def _dotted(op: dict[str, Any], group: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The sub-resources and the verb a dotted operationId spells below its tag's word: Google's
    ``jobs.projects.jobs.list`` under tag ``projects`` -> (``("jobs",)``, ``"list"``);
    ``jobs.projects.complete`` -> (``()``, ``"complete"``). None where the operation is placed by
    ``x-sdk-group``, or the operationId is not dotted words, or does not hold the tag's word before its
    last part."""
    op_id = op.get("operationId")
    if not group or not isinstance(op_id, str) or "." not in op_id:
        return None
    explicit = op.get("x-sdk-group", op.get("x-speakeasy-group"))
    if isinstance(explicit, str) and explicit.strip():
        return None
    parts = op_id.split(".")
    if not all(_DOTTED_PART.fullmatch(part) for part in parts):
        return None
    words = [snake_identifier(part, "") for part in parts]
    resource = group[-1].rstrip("_")
    wanted = {resource, _singular(resource)}
    for index, word in enumerate(words[:-1]):
        if word.rstrip("_") in wanted or _singular(word.rstrip("_")) in wanted:
            return tuple(words[index + 1 : -1]), words[-1]
    return None


def _sends_file(op: dict[str, Any], document: Any) -> bool:
    """Whether the operation's request body is a file: a multipart form, or bytes (octet-stream, an
    image, audio or video)."""
    body = op.get("requestBody")
    if isinstance(body, dict) and isinstance(body.get("$ref"), str) and body["$ref"].startswith("#/"):
        body = jp.resolve(document, urllib.parse.unquote(body["$ref"][1:]), None) if document is not None else None
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return False
    for media in content:
        kind = str(media).split(";", 1)[0].strip().lower()
        if kind.startswith("multipart/") or kind == "application/octet-stream":
            return True
        if kind.split("/", 1)[0] in ("image", "audio", "video"):
            return True
    return False


def names(
    placed: list[Placed],
    diags: Diagnostics,
    label: str,
    lock: NamesLock = NO_LOCK,
    watch: Callable[[NameScope], NameScope] = lambda scope: scope,
) -> list[str]:
    """The method name of each of ``placed``: pinned names first, then the names ``lock`` keeps for
    operations still in the resource it names, then each uncontested first choice, then a contested one
    for the operation with the plainest path (``_rank``); the rest take their next free candidate, with
    warning W400."""
    explicit: dict[tuple[str, ...], set[str]] = {}
    for entry in placed:
        if entry.pinned:
            explicit.setdefault(entry.group, set()).add(entry.candidates[0])
    held: dict[tuple[str, ...], dict[str, str]] = {}
    for entry in placed:
        locked = lock.operations.get(entry.key)
        if entry.pinned or locked is None or locked[0] != ".".join(entry.group):
            continue
        if locked[1] not in explicit.get(entry.group, ()):  # x-sdk-name wins over the lock
            held.setdefault(entry.group, {})[entry.key] = locked[1]
    kept = _kept_resources(placed, lock, held)
    scopes: dict[tuple[str, ...], NameScope] = {}
    for entry in placed:
        if entry.group not in scopes:
            children = kept.get(entry.group, set()) - explicit.get(entry.group, set())  # x-sdk-name wins
            base = (CLIENT_ATTRS if not entry.group else frozenset()) | SIGNATURE_TYPES | children
            scopes[entry.group] = watch(NameScope(base, held=held.get(entry.group)))
    chosen: dict[int, str] = {}
    for index, entry in enumerate(placed):
        name = scopes[entry.group].held(entry.key) if not entry.pinned else None
        if name is not None:
            chosen[index] = scopes[entry.group].claim(name, holder=entry.key)
    wanted: dict[tuple[tuple[str, ...], str], list[int]] = {}
    for index, entry in enumerate(placed):
        if entry.pinned or index in chosen:
            continue
        wanted.setdefault((entry.group, entry.candidates[0]), []).append(index)
    for index, entry in enumerate(placed):
        if entry.pinned:
            chosen[index] = scopes[entry.group].claim(entry.candidates[0])
            if chosen[index] != entry.candidates[0]:
                _renamed(diags, label, entry, chosen[index])
    for (group, name), indexes in wanted.items():
        if name in scopes[group]:
            continue
        ranks = [_rank(placed[i].path) for i in indexes]
        shortest = [i for i, n in zip(indexes, ranks) if n == min(ranks)]
        if len(shortest) == 1:
            chosen[shortest[0]] = scopes[group].claim(name)
    for index, entry in enumerate(placed):
        if index in chosen:
            continue
        scope = scopes[entry.group]
        chosen[index] = scope.claim_first(entry.candidates)
        if chosen[index] != entry.candidates[0]:
            _renamed(diags, label, entry, chosen[index])
    return [chosen[i] for i in range(len(placed))]


def _kept_resources(
    placed: list[Placed], lock: NamesLock, held: dict[tuple[str, ...], dict[str, str]]
) -> dict[tuple[str, ...], set[str]]:
    """By resource, the names of its sub-resources the lock knows (a resource of a locked operation, or
    one above it) that no locked method of it holds: a newcomer method may not take one, which would
    rename the sub-resource (W405)."""
    locked = {tuple(resource.split(".")) for resource, _ in lock.operations.values() if resource}
    known = {path[:n] for path in locked for n in range(2, len(path) + 1)}
    groups = {entry.group for entry in placed}
    present = {group[:n] for group in groups for n in range(2, len(group) + 1)}
    out: dict[tuple[str, ...], set[str]] = {}
    for path in sorted(known & present):
        parent, child = path[:-1], path[-1]
        if child not in held.get(parent, {}).values():
            out.setdefault(parent, set()).add(child)
    return out


def _renamed(diags: Diagnostics, label: str, entry: Placed, given: str) -> None:
    diags.warning(
        "W400",
        label,
        jp.join("/paths", entry.path, entry.method),
        f"method name {entry.candidates[0]!r} is taken in {'.'.join(entry.group) or 'the client'};"
        f" this operation is {given!r} (x-sdk-name on it chooses another)",
    )


def _rank(path: str) -> tuple[int, int]:
    """Which of two operations wanting one name keeps it: the one whose path has fewer nouns, then fewer
    segments (``/invoices/{invoice}/lines`` before ``/invoices/upcoming/lines``)."""
    segments = _segments(path)
    return sum(1 for s in segments if not _PARAM.match(s)), len(segments)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("#", 1)[0].split("/") if s]


#: A path segment that names a version or an API root, not a resource: ``v1``, ``v2beta1``, ``v1.2``,
#: ``2024-01-01``, ``api``, ``rest``.
_VERSION = re.compile(r"(?i)v\d+(?:[._-]\d+)*(?:(?:alpha|beta|rc|p)\d*)*|\d+(?:\.\d+)+|\d{4}-\d{2}-\d{2}|api|apis|rest")


def version_prefix(segments: list[str]) -> int:
    """How many leading segments of one path name a version or an API root (``_VERSION``), leaving the
    path one segment at least. Read from the path alone: adding a path never changes it."""
    n = 0
    while n < len(segments) - 1 and _VERSION.fullmatch(segments[n]):
        n += 1
    return n


def _resource_segment(path: str, prefix: int) -> str:
    segments = _segments(path)[prefix:]
    if not segments or _PARAM.match(segments[0]):
        return ""
    return snake_identifier(segments[0], "")


_IRREGULAR = {"people": "person", "children": "child"}


def _is_plural(word: str) -> bool:
    last = word.rsplit("_", 1)[-1]
    return last in _IRREGULAR or (len(last) > 2 and last.endswith("s") and not last.endswith(("ss", "us", "is")))


def _singular(word: str) -> str:
    head, _, last = word.rpartition("_")
    if last in _IRREGULAR:
        return head + "_" * bool(head) + _IRREGULAR[last]
    if not _is_plural(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def _words(name: str) -> list[str]:
    return [w for w in name.split("_") if w]


def _candidates(
    op: dict[str, Any],
    method: str,
    path: str,
    resource: str,
    prefix: int,
    original: str,
    siblings: set[str],
    sends_file: bool = False,
) -> tuple[str, ...]:
    segments = _segments(path)
    where = _resource_index(segments, resource, prefix)
    below = segments[where + 1 :] if where is not None else None
    resource_words = _words(resource.rstrip("_"))
    stripped = _strip(_words(original), resource_words)
    item = bool(segments) and bool(_PARAM.match(segments[-1]))
    singleton = bool(resource_words) and not _is_plural(resource_words[-1])
    if where is not None and _is_plural(snake_identifier(segments[where], "")):
        singleton = False  # ``terms_of_service`` on ``/terms_of_services``: a collection
    preferred: tuple[str, ...] = ()
    if _spelled_from_path(op, method, segments, prefix):
        if below is not None:
            between = segments[prefix:where]
            above = [snake(s) for s in between] if not any(_PARAM.match(s) for s in between) else []
            shaped = _shape_names(method, below, singleton, siblings)
            preferred = tuple(_with_above(name, above) for name in shaped)
        else:
            preferred = _borrowed_names(method, segments, resource_words, siblings, sends_file)
        preferred = _with_fragment(preferred, _fragment(path))
    if not preferred:
        preferred = (_plain(stripped, method, item, singleton, below) or stripped or original,)
    return tuple(dict.fromkeys(snake_identifier(n) for n in (*preferred, stripped, original) if n))


def _resource_index(segments: list[str], resource: str, prefix: int) -> int | None:
    """Where the resource's own segment is in the path (``accounts`` in ``/v1/accounts/{account}``); a
    segment with no id before it also in the other number (``terms_of_service`` on
    ``/terms_of_services``, not ``image`` on ``/artists/{name}/images``)."""
    wanted = {resource.rstrip("_"), _singular(resource.rstrip("_"))}
    for index in range(prefix, len(segments)):
        if _PARAM.match(segments[index]):
            continue
        name = snake_identifier(segments[index], "")
        if name in wanted:
            return index
        if _singular(name) in wanted and not any(_PARAM.match(s) for s in segments[:index]):
            return index
    return None


def _strip(words: list[str], resource: list[str]) -> str:
    """``words`` without the resource's words where that leaves a verb phrase: right after the first word,
    either number, with nothing after them but a ``by_...`` (``list_pets`` -> ``list``, ``get_pet_by_id``
    -> ``get_by_id``; ``get_an_album`` and ``remove_albums_user`` keep theirs), or at the start as the
    resource is spelled (``applicants_all`` -> ``all``)."""
    if not resource:
        return "_".join(words)
    n = len(resource)
    for form in (resource, [*resource[:-1], _singular(resource[-1])]):
        rest = words[1 + n :]
        if words[1 : 1 + n] == form and (not rest or rest[0] == "by"):
            return "_".join(words[:1] + rest)
    if words[:n] == resource and len(words) > n:
        return "_".join(words[n:])
    return "_".join(words)


def _plain(stripped: str, method: str, item: bool, singleton: bool, below: list[str] | None) -> str | None:
    """``list``/``get``/``create``/``update``/``delete`` where ``stripped`` says so and the method and
    path agree: the path is the resource's own (nothing below it but its id)."""
    if below is not None and [s for s in below if not _PARAM.match(s)]:
        return None
    if stripped in _LIST_OR_GET:
        return ("get" if item or singleton else "list") if method == "get" else None
    fits = {
        "list": method == "get",
        "get": method == "get",
        "create": method == "post",
        "update": method in ("put", "patch", "post"),
        "delete": method == "delete",
    }
    for verb, spellings in _SYNONYMS.items():
        if stripped in spellings and fits[verb]:
            return verb
    return None


def _spelled_from_path(op: dict[str, Any], method: str, segments: list[str], prefix: int) -> bool:
    """No operationId, or one that only spells the method and the path (``GetAccountsAccountBankAccountsId``
    for ``GET /v1/accounts/{account}/bank_accounts/{id}``), which says nothing a name could keep."""
    op_id = op.get("operationId")
    if isinstance(op_id, str):
        op_id = op_id.split("#", 1)[0]  # Box's ``get_files_id#get_shared_link``: the path's fragment
    if not isinstance(op_id, str) or not snake(op_id):
        return True
    words = _words(snake(op_id))
    if not words or words[0] != method:
        return False
    params = [_words(snake(s)) for s in segments if _PARAM.match(s)]
    spelled = [_singular(w) for w in _without(words[1:], params) if w != "id"]
    for start in (prefix, 0):
        nouns = [_singular(w) for s in segments[start:] if not _PARAM.match(s) for w in _words(_noun(s))]
        if spelled == nouns:
            return True
    return False


def _with_above(name: str, above: list[str]) -> str:
    """A shape name with the literal segments before the resource's after its verb (``GET
    /legacy/candidates/{id}`` in ``candidates``: ``get_legacy``); a parent's id before it
    (``/lists/{list_id}/surveys``) says whose, not which, and adds nothing."""
    verb, _, rest = name.partition("_")
    if not above or verb not in ("list", "get", "create", "update", "replace", "delete"):
        return name
    return snake_identifier("_".join(w for w in (verb, *above, rest) if w))


def _without(words: list[str], phrases: list[list[str]]) -> list[str]:
    """``words`` with each occurrence of any of ``phrases`` (a parameter's name, in words) taken out."""
    out: list[str] = []
    index = 0
    while index < len(words):
        found = next((p for p in phrases if p and words[index : index + len(p)] == p), None)
        if found:
            index += len(found)
        else:
            out.append(words[index])
            index += 1
    return out


def _shape_names(method: str, below: list[str], singleton: bool, siblings: set[str]) -> tuple[str, ...]:
    """A method's names from what is below its resource in the path, short then long: nothing but an id
    (``list``, ``get``, ``create``, ``update``, ``delete``), a collection (``list_bank_accounts``,
    ``get_bank_account``) or an action or a single thing (``capture``; ``get_dispute`` and
    ``update_dispute`` where the path has both). The long name keeps every noun below the resource
    (``delete_subscription_discount``), for when the short one is taken."""
    nouns = [_noun(s) for s in below if not _PARAM.match(s) and _noun(s)]
    item = bool(below) and bool(_PARAM.match(below[-1]))
    if not nouns:
        if method == "get":
            return ("get" if item or singleton else "list",)
        if method == "post":
            return ("update" if item or singleton else "create",)
        put = "replace" if "patch" in siblings else "update"
        return ({"put": put, "patch": "update", "delete": "delete"}.get(method, method),)
    *before, noun = nouns
    verb, last = _verb_noun(method, noun, item, siblings, False)
    short = "_".join(w for w in (verb, last) if w)
    long = "_".join(w for w in (verb, *(_singular(b) for b in before), last) if w)
    return tuple(dict.fromkeys(snake_identifier(n) for n in (short, long)))


def _verb_noun(
    method: str, noun: str, item: bool, siblings: set[str], sends_file: bool, borrowed: bool = False
) -> tuple[str, str]:
    """The verb and the form of the last noun of a path for ``method``: a collection is listed, created
    in, got, updated, deleted by id; a single thing (a singular noun) is got and updated where its path
    has both, and is otherwise an action (``POST .../capture`` -> ``capture``), unless a file is sent to
    it where the path is not the resource's own (``borrowed``: ``create_content``). There, too, a GET
    always says ``get``, and a POST beside a PUT creates the single thing the PUT updates."""
    put = "replace" if "patch" in siblings else "update"
    one = _singular(noun)
    if _is_plural(noun):
        plural = {
            "get": ("get", one) if item else ("list", noun),
            "post": ("update", one) if item else ("create", one),
            "put": (put, one if item else noun),
            "patch": ("update", one if item else noun),
            "delete": ("delete", one if item else noun),
        }
        return plural.get(method, (method, one if item else noun))
    shared = len(siblings) > 1  # ``GET`` and ``POST .../dispute``: get_dispute and update_dispute
    if method == "post":
        if borrowed and ("put" in siblings or "patch" in siblings):
            return "create", noun
        if item or "get" in siblings:
            return "update", noun
        return ("create", noun) if sends_file and borrowed else ("", noun)
    single = {
        "get": ("get", noun) if item or shared or borrowed else ("", noun),
        "put": (put, noun),
        "patch": ("update", noun),
        "delete": ("delete", noun),
    }
    return single.get(method, (method, noun))


def _borrowed_names(
    method: str, rest: list[str], resource: list[str], siblings: set[str], sends_file: bool
) -> tuple[str, ...]:
    """Names for an operation whose path is not its resource's (``GET /files/{file_id}/content`` in
    ``downloads``), read from the whole path (``rest``; what other paths hold does not matter): the verb
    and last noun as ``_verb_noun`` gives them, after the nouns whose ids the path holds, which say whose
    (``get_file_content``); a literal segment without its id (``files`` in ``/files/upload_sessions``)
    only groups paths and is left out. Where those nouns are the resource's own words, the verb alone
    (``GET /users/{user_id}/avatar`` in ``user_avatars`` -> ``get``). An action keeps its own word
    (``POST /sign_requests/{id}/cancel`` -> ``cancel``). The long name holds every noun. A number written in
    the path is an id (``_is_id``). Empty when the path has no noun."""
    nouns = [(index, _noun(s)) for index, s in enumerate(rest) if not _is_id(s) and _noun(s)]
    if not nouns:
        return ()
    *parents, (at, noun) = nouns
    item = _is_id(rest[-1])
    under_item = any(_is_id(s) for s in rest[:at])
    alone = not item and not under_item and not sends_file and not ({"put", "patch"} & siblings)
    if method == "post" and alone and "get" in siblings and not _is_plural(noun):
        return ()  # ``POST /log/`` beside ``GET /log/``: a collection or a single thing, the path cannot say
    verb, last = _verb_noun(method, noun, item, siblings, sends_file, borrowed=True)
    whose = [_singular(p) for i, p in parents if i + 1 < len(rest) and _is_id(rest[i + 1])]
    every = [_singular(p) for _, p in parents]
    if not verb:
        names = [last, "_".join((last, *whose))]
    elif resource and _singular("_".join((*whose, last))) == _singular("_".join(resource)):
        names = [verb, "_".join((verb, *every, last))]
    else:
        names = ["_".join((verb, *whose, last)), "_".join((verb, *every, last))]
    return tuple(dict.fromkeys(snake_identifier(n) for n in names if n))


def _noun(segment: str) -> str:
    """A literal path segment as a name, without the parameters written inside it (Box's
    ``thumbnail.{extension}`` -> ``thumbnail``)."""
    return snake(_TEMPLATE.sub("", segment)) if "{" in segment else snake(segment)


def _is_id(segment: str) -> bool:
    """Whether a path segment names one item: a parameter, or a number written in the path (Box's root
    folder, ``/users/{user_id}/folders/0``)."""
    return bool(_PARAM.match(segment)) or segment.isdigit()


_ACTION = re.compile(r"(?:Action=)?([A-Z][a-z]+(?:[A-Z0-9][A-Za-z0-9]*)+)")
_METHOD_PREFIX = re.compile(r"(?i)(?:get|post|put|patch|delete)_")


def _action(path: str, op: dict[str, Any]) -> tuple[str, str] | None:
    """(resource, verb) of an operation that names an action where its path names nothing: the
    fragment's ``Action=DescribeInstances``, else an operationId such as ``POST_DescribeInstances``, read
    as a verb and a noun (``("instances", "describe")``; the noun plural, so that ``CreateVpc`` and
    ``DescribeVpcs`` meet in ``vpcs``). None where neither spells one."""
    fragment = path.partition("#")[2]
    op_id = op.get("operationId")
    for text in (fragment, _METHOD_PREFIX.sub("", op_id, count=1) if isinstance(op_id, str) else ""):
        found = _ACTION.fullmatch(text)
        if found is None:
            continue
        words = _words(snake_identifier(found.group(1), ""))
        if len(words) >= 2:  # each an identifier: ``Import...`` is ``import_``
            resource = snake_identifier("_".join([*words[1:-1], _plural(words[-1])]), "")
            return resource, snake_identifier(words[0], "")
    return None


def _plural(word: str) -> str:
    if _is_plural(word) or word in _IRREGULAR:
        return word
    if word in _IRREGULAR.values():
        return next(plural for plural, single in _IRREGULAR.items() if single == word)
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def _fragment(path: str) -> str:
    """The words of a path's ``#fragment`` (Box tells operations on one path apart with one:
    ``/files/{file_id}#get_shared_link``), ``""`` when it has none."""
    return snake(path.partition("#")[2])


def _with_fragment(names: tuple[str, ...], fragment: str) -> tuple[str, ...]:
    """``names`` for a path with ``fragment``: the fragment itself first where it starts with a verb
    (``add_shared_link``), and each name with the fragment's words after it (``token_refresh``)."""
    if not fragment or not names:
        return names
    added = tuple(snake_identifier(f"{name}_{fragment}") for name in names)
    return (fragment, *added) if fragment.split("_", 1)[0] in _VERBS else added
