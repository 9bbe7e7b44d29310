"""hypothesis on the policy loader: whatever the text, the answer is a Policy or PolicyInvalid."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.errors import PolicyInvalid
from baton.policy import Policy, parse_policy
from baton.policy.loader import default_policy_path

BASE: dict[str, Any] = yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _outcome(text: str) -> None:
    try:
        result = parse_policy(text)
    except PolicyInvalid as exc:
        assert exc.message
        return
    assert isinstance(result, Policy)


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _outcome(text)


# YAML that parses but whose values break Python: bad dates, huge ints, deep nesting, anchors.
TRICKY = [
    "a: 2001-02-30",
    "version: 2026-13-45T99:99:99",
    "a: !!python/object:os.system ls",
    "a: &x [*x]",
    "[" * 2000 + "]" * 2000,
    "{" * 2000 + "}" * 2000,
    "version: 1\nname: x\n" + "a: " + "9" * 5000,
    "version: 1e999",
    "? [a, b]\n: c",
    "\ufeffversion: 1",
    "%YAML 9.9\n---\na: 1",
    "a: !!binary AAAA====",
    "<<: {a: 1}\n<<: [1]",
]


@pytest.mark.parametrize("snippet", TRICKY)
def test_tricky_yaml_is_refused_with_policy_invalid(snippet: str) -> None:
    with pytest.raises(PolicyInvalid):
        parse_policy(snippet)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_default_with_one_value_replaced(data: st.DataObject) -> None:
    policy = yaml.safe_load(yaml.safe_dump(BASE))
    node: Any = policy
    path = []
    while isinstance(node, dict | list) and node:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        path.append(key)
        if data.draw(st.booleans()):
            break
        node = node[key]
    parent: Any = policy
    for key in path[:-1]:
        parent = parent[key]
    if path:
        parent[path[-1]] = data.draw(values)
    _outcome(yaml.safe_dump(policy, allow_unicode=True))
