"""Fixtures for reading tests: settings on the repo's config and the loaded resources (once)."""

from __future__ import annotations

import pytest

from classifiers.reading import Resources, load_resources
from config.settings import AppSettings


@pytest.fixture(scope="session")
def read_settings() -> AppSettings:
    return AppSettings(env="test")


@pytest.fixture(scope="session")
def resources(read_settings: AppSettings) -> Resources:
    return load_resources(read_settings)
