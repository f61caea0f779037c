"""Topic names: the same as the Terraform module declares, and prefixes as it allows them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.errors import PlatformError
from jobs.stream.topics import EVENT_TOPICS, dead_letter_topic, prefixed

pytestmark = pytest.mark.unit

MODULE = Path(__file__).resolve().parents[2] / "modules" / "kafka_topics"


def test_event_topics_are_the_terraform_module_defaults():
    variables = (MODULE / "variables.tf").read_text()
    block = re.search(r'variable "event_topics" \{.*?default\s*=\s*\[(.*?)\]', variables, re.DOTALL)
    assert block is not None
    assert re.findall(r'"([^"]+)"', block.group(1)) == list(EVENT_TOPICS)


def test_dead_letter_topics_are_named_as_in_the_terraform_module():
    assert '"${var.topic_prefix}${topic}.dlq"' in (MODULE / "main.tf").read_text()
    assert dead_letter_topic(prefixed("transactions", "dev.")) == "dev.transactions.dlq"


@pytest.mark.parametrize("prefix", ["", "dev.", "test-1a2b."])
def test_prefixes_the_module_accepts(prefix):
    assert prefixed("transactions", prefix) == prefix + "transactions"


@pytest.mark.parametrize("prefix", ["Dev.", "dev", "a.b."])
def test_prefixes_the_module_refuses(prefix):
    with pytest.raises(PlatformError, match="prefix"):
        prefixed("transactions", prefix)
