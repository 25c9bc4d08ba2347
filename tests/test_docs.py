"""Public API documentation: every public function has a numpydoc docstring with a runnable Examples section."""

from __future__ import annotations

import inspect

import pytest

import ecostat as es

#: everything exported, including the lazily imported PyMC-based API (es.fit, es.model, ...)
PUBLIC = sorted(name for name in es.__all__ if inspect.isfunction(getattr(es, name)))
CLASSES = sorted(name for name in es.__all__ if inspect.isclass(getattr(es, name))
                 and not issubclass(getattr(es, name), (Exception, Warning)))


@pytest.mark.parametrize("name", PUBLIC)
def test_public_function_has_examples(name):
    doc = inspect.getdoc(getattr(es, name)) or ""
    assert "Examples\n--------" in doc and ">>>" in doc, f"ecostat.{name} lacks a runnable Examples section"


@pytest.mark.parametrize("name", CLASSES)
def test_public_class_has_examples(name):
    doc = inspect.getdoc(getattr(es, name)) or ""
    assert "Examples\n--------" in doc and ">>>" in doc, f"ecostat.{name} lacks a runnable Examples section"


def test_readme_opens_with_the_two_commands():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("\n## ")]
    assert "make demo" in head and "make test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
