"""JSON from outside: nesting is held to MAX_DEPTH, and only real nesting counts."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from core.jsontext import MAX_DEPTH, JsonRefused, load_json


def nested(depth: int) -> str:
    """``depth`` levels of alternating lists and objects around a number."""
    text = "1"
    for level in range(depth):
        text = f"[{text}]" if level % 2 else f'{{"k":{text}}}'
    return text


def walked_depth(value: Any) -> int:
    """The depth by definition: one more than the deepest child, for a list or an object."""
    if isinstance(value, dict):
        return 1 + max((walked_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((walked_depth(v) for v in value), default=0)
    return 0


# Strings that look like structure: brackets, quotes and backslashes escaped inside them.
_TRICKY = ["[[[[", "}}}]]", '"{', "\\", '\\"[', "a]b{c", "말씀[", ""]


def random_value(rng: random.Random, budget: int) -> Any:
    roll = rng.random()
    if budget <= 0 or roll < 0.3:
        return rng.choice([rng.choice(_TRICKY), rng.randint(-5, 5), None, True, 1.5])
    if roll < 0.65:
        return [random_value(rng, budget - 1) for _ in range(rng.randint(0, 3))]
    return {
        rng.choice(_TRICKY) + str(n): random_value(rng, budget - 1)
        for n in range(rng.randint(0, 3))
    }


def test_a_body_as_deep_as_the_limit_is_accepted() -> None:
    assert walked_depth(load_json(nested(MAX_DEPTH))) == MAX_DEPTH


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, MAX_DEPTH * 10, 900])
def test_a_body_deeper_than_the_limit_is_refused_as_too_deep(depth: int) -> None:
    with pytest.raises(JsonRefused) as refused:
        load_json(nested(depth).encode())
    assert refused.value.reason == "depth"


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    shallow = json.dumps({"text": "[" * 500 + '\\"{' * 100, "list": ["]]]]", "\\", "[[["]})
    assert load_json(shallow)["text"].startswith("[[[")


def test_many_shallow_siblings_are_not_deep() -> None:
    push = json.dumps({"mutations": [{"payload": {"a": [1, {"b": []}]}} for _ in range(500)]})
    assert len(load_json(push)["mutations"]) == 500


def test_a_random_body_is_refused_exactly_when_its_value_nests_past_the_limit() -> None:
    rng = random.Random(20261204)
    refused = 0
    for _ in range(400):
        value = random_value(rng, rng.randint(0, 8))
        for _ in range(rng.randint(MAX_DEPTH // 2, MAX_DEPTH + 4)):  # many end up past the limit
            value = [value] if rng.random() < 0.5 else {'"[': value}
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1]))
        # Padding of brackets so that the depth check runs however shallow the value is.
        padded = "[" + ",".join([text] + ["[]"] * MAX_DEPTH) + "]"
        expected = walked_depth(value) + 1
        if expected > MAX_DEPTH:
            with pytest.raises(JsonRefused):
                load_json(padded)
            refused += 1
        else:
            assert load_json(padded)[0] == value
    assert 50 < refused < 350, "both sides of the limit are tried"
