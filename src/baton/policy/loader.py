"""Reads a policy file once and validates it, naming the field and line of the first fault."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from baton.errors import PolicyInvalid
from baton.policy.schema import Policy

DEFAULT_POLICY_NAME = "default.yaml"


def default_policy_path() -> Path:
    return Path(str(resources.files("baton.policy").joinpath(DEFAULT_POLICY_NAME)))


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Walk the YAML node tree along a pydantic error location; 1-based line of the deepest hit."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def parse_policy(text: str, *, source: str = "<policy>") -> Policy:
    """Validate policy YAML text; raise `PolicyInvalid` naming the field and line at fault."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyInvalid(f"{source}: not valid YAML: {exc}", line=line) from exc
    except (ValueError, RecursionError) as exc:
        # YAML that parses but that Python cannot hold: 2001-02-30, a 5,000-digit number, or
        # nesting deeper than the interpreter's stack.
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise PolicyInvalid(f"{source}: not valid YAML: {reason}") from exc
    if not isinstance(data, dict):
        raise PolicyInvalid(f"{source}: the policy must be a mapping", line=1)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(
            p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function"))
        )
        field = ".".join(str(p) for p in loc) or None
        raise PolicyInvalid(
            f"{source}: {field or 'policy'}: {first['msg']}", field=field, line=_line_of(root, loc)
        ) from exc


def load_policy(path: Path | str | None = None) -> Policy:
    """Load and validate a policy file; the shipped default when `path` is None."""
    file = Path(path) if path is not None else default_policy_path()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyInvalid(f"{file}: cannot read the policy file: {exc.strerror}") from exc
    return parse_policy(text, source=str(file))


def policy_hash(policy: Policy) -> str:
    """A stable fingerprint of a policy's content, used to key caches (the trained model)."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    return load_policy(None)
