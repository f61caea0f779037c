"""The plan review puts what can hurt first and counts like `tofu plan` does."""

import copy

import pytest

from jobs.operate.deploy.review import plan_digest, review_plan

pytestmark = pytest.mark.unit


def _change(address: str, actions: list[str]) -> dict:
    return {"address": address, "type": address.split(".")[-2], "change": {"actions": actions}}


PLAN = {
    "resource_changes": [
        _change("module.platform.module.storage.aws_s3_bucket.this", ["create"]),
        _change("module.platform.module.iam.aws_iam_role_policy.batch", ["update"]),
        _change("module.platform.module.topics.kafka_topic.transactions", ["delete", "create"]),
        _change("module.platform.module.artifacts.aws_s3_bucket_versioning.this", ["no-op"]),
        _change("module.platform.module.iam.aws_iam_role.old", ["delete"]),
        _change("module.platform.module.airflow.aws_s3_bucket_policy.this", ["create"]),
    ],
    "output_changes": {"releases_uri": {"actions": ["create"]}, "environment": {"actions": ["no-op"]}},
}


def test_counts_follow_tofu_conventions_a_replacement_adds_and_destroys():
    review = review_plan("dev", PLAN)
    # 2 creates + 1 replacement; 1 update; 1 delete + 1 replacement.
    assert review.headline() == "dev: 3 to add, 1 to change, 2 to destroy (1 replaced)"


def test_destroys_come_first_then_access_changes_and_unchanged_resources_are_left_out():
    review = review_plan("prod", PLAN)
    text = review.markdown()
    destroyed = text.index("Destroyed or replaced")
    access = text.index("Access changes")
    assert destroyed < access < text.index("All changes")
    destroy_section = text[destroyed:access]
    assert "aws_iam_role.old" in destroy_section and "kafka_topic.transactions" in destroy_section
    assert "aws_s3_bucket.this" not in destroy_section
    access_section = text[access:text.index("All changes")]
    assert "aws_iam_role_policy.batch" in access_section and "aws_s3_bucket_policy.this" in access_section
    assert "kafka_topic" not in access_section
    assert "aws_s3_bucket_versioning" not in text
    assert "releases_uri" in text and "- environment" not in text


def test_an_empty_plan_says_there_is_nothing_to_do():
    review = review_plan("dev", {"resource_changes": [_change("aws_s3_bucket.a", ["no-op"])]})
    assert not review.has_changes
    assert "No changes" in review.markdown()
    assert review.headline() == "dev: 0 to add, 0 to change, 0 to destroy"


def test_the_digest_names_what_would_change_whatever_the_order_and_ignores_what_would_not():
    digest = plan_digest(PLAN)
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    reordered = {**PLAN, "resource_changes": list(reversed(PLAN["resource_changes"]))}
    assert plan_digest(reordered) == digest
    without_no_ops = {**PLAN, "resource_changes": [change for change in PLAN["resource_changes"] if change["change"]["actions"] != ["no-op"]],
                      "output_changes": {"releases_uri": {"actions": ["create"]}}}
    assert plan_digest(without_no_ops) == digest
    changed = copy.deepcopy(PLAN)
    changed["resource_changes"][1]["change"]["after"] = {"policy": "{\"Statement\": []}"}
    assert plan_digest(changed) != digest
    assert review_plan("dev", PLAN).digest == digest and f"Plan digest: `{digest}`" in review_plan("dev", PLAN).markdown()
