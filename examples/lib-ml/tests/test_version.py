from importlib import metadata

import lib_ml
from lib_ml import UNKNOWN_VERSION, installed_version


def test_reports_the_installed_version() -> None:
    assert installed_version() == metadata.version("lib-ml")
    assert lib_ml.__version__ == installed_version()


def test_falls_back_when_not_installed() -> None:
    assert installed_version("no-such-distribution-x") == UNKNOWN_VERSION == "0+unknown"
