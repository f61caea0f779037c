"""The driver's memory budget split into Spark's heap setting (jobs.spark)."""

from __future__ import annotations

import pytest

from jobs.errors import PlatformError
from jobs.spark import HEAP_SHARE, heap_size

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("budget", "mebibytes"), [("2g", 2048), ("1G", 1024), ("1536m", 1536), ("3gb", 3072),
                                                   ("1048576k", 1024)])
def test_the_heap_is_the_heap_share_of_the_whole_budget(budget, mebibytes):
    assert heap_size(budget) == f"{int(mebibytes * HEAP_SHARE)}m"


def test_the_default_budget_leaves_the_jvm_half_a_gigabyte_beside_its_heap():
    assert 2048 - int(heap_size("2g").removesuffix("m")) >= 512


@pytest.mark.parametrize("budget", ["", "2", "two g", "2x", "1.5g"])
def test_a_budget_that_is_no_size_is_one_line_naming_it(budget):
    with pytest.raises(PlatformError, match="is not a size like 2g or 1536m"):
        heap_size(budget)
