"""The lab tests share one lab per module, healthy again before each test."""

from __future__ import annotations

import os

import pytest

from cmagent.lab.lab import Lab

ROOT = pytest.mark.skipif(os.geteuid() != 0 and not os.environ.get("CI"),
                          reason="the lab needs root (CI runs as root)")


@pytest.fixture(scope="module")
def lab():
    with Lab() as running:
        running.quickstart()
        yield running


@pytest.fixture(autouse=True)
def healthy(request):
    if "lab" in request.fixturenames:
        request.getfixturevalue("lab").clear()
    yield
