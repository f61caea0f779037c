"""A plan review a person can read in a minute: what the plan adds, changes and destroys, with
destroys (and replacements) and IAM changes first, because those are the ones that hurt.

Input is the JSON of `tofu show -json <planfile>`; output is Markdown (a PR comment, a job
summary, a file next to the plan).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

# Resource types whose changes alter who may do what.
_IAM_TYPE_PREFIXES = ("aws_iam_", "aws_s3_bucket_policy", "aws_kms_key_policy", "aws_s3_bucket_public_access_block",
                      "kafka_acl")


@dataclass(frozen=True)
class Change:
    """One resource instance the plan touches."""

    address: str
    type: str
    action: str  # create, update, delete, replace, read

    @property
    def touches_access(self) -> bool:
        return self.type.startswith(_IAM_TYPE_PREFIXES)


@dataclass
class PlanReview:
    environment: str
    changes: list[Change] = field(default_factory=list)
    output_changes: list[str] = field(default_factory=list)
    # What the plan would do, hashed (plan_digest): a plan made later with the same digest does the same.
    digest: str = ""

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def destructive(self) -> list[Change]:
        return [change for change in self.changes if change.action in ("delete", "replace")]

    @property
    def access(self) -> list[Change]:
        return [change for change in self.changes if change.touches_access and change.action != "read"]

    @property
    def has_changes(self) -> bool:
        return any(change.action != "read" for change in self.changes) or bool(self.output_changes)

    def headline(self) -> str:
        """`dev: 3 to add, 1 to change, 0 to destroy (1 replaced)`: one line for logs."""
        replaced = self.count("replace")
        line = (f"{self.environment}: {self.count('create') + replaced} to add, {self.count('update')} to change, "
                f"{self.count('delete') + replaced} to destroy")
        return line + (f" ({replaced} replaced)" if replaced else "")

    def markdown(self) -> str:
        lines = [f"### Plan review: `{self.environment}`", "", f"**{self.headline()}**", "", f"Plan digest: `{self.digest}`", ""]
        if not self.has_changes:
            return "\n".join([*lines, "No changes: the infrastructure matches the configuration.", ""])
        sections = [
            ("Destroyed or replaced (check these first)", self.destructive),
            ("Access changes (IAM, bucket policies, public access)", self.access),
            ("All changes", [change for change in self.changes if change.action != "read"]),
        ]
        for title, changes in sections:
            lines += [f"#### {title}", ""]
            lines += [f"- `{change.action}` {change.address}" for change in changes] or ["- none"]
            lines.append("")
        if self.output_changes:
            lines += ["#### Outputs that change", "", *[f"- {name}" for name in self.output_changes], ""]
        return "\n".join(lines)


def _action(actions: Iterable[str]) -> str:
    actions = list(actions)
    if "delete" in actions and "create" in actions:
        return "replace"
    if actions == ["no-op"]:
        return "no-op"
    return actions[0]


def plan_digest(plan: dict) -> str:
    """sha256 of what `plan` (parsed `tofu show -json`) would change: every resource and output
    that is not a no-op, with its values before and after. Two plans with the same digest make the
    same changes, so a reviewed plan can be made again where it is applied, and its file (which
    holds every value in clear text) never has to be kept or passed on."""
    changes = [[resource["address"], resource["change"]["actions"], resource["change"].get("before"),
                resource["change"].get("after"), resource["change"].get("after_unknown")]
               for resource in plan.get("resource_changes", []) if resource["change"]["actions"] != ["no-op"]]
    outputs = [[name, change.get("actions"), change.get("before"), change.get("after")]
               for name, change in plan.get("output_changes", {}).items() if change.get("actions") != ["no-op"]]
    canonical = json.dumps([sorted(changes, key=lambda change: change[0]), sorted(outputs, key=lambda output: output[0])],
                           sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def review_plan(environment: str, plan: dict) -> PlanReview:
    """The review of `plan` (parsed `tofu show -json`), leaving out resources the plan keeps as they are."""
    review = PlanReview(environment, digest=plan_digest(plan))
    for resource in plan.get("resource_changes", []):
        action = _action(resource["change"]["actions"])
        if action == "no-op":
            continue
        review.changes.append(Change(resource["address"], resource["type"], action))
    order = {"delete": 0, "replace": 1, "update": 2, "create": 3, "read": 4}
    review.changes.sort(key=lambda change: (order.get(change.action, 5), change.address))
    review.output_changes = sorted(name for name, change in plan.get("output_changes", {}).items()
                                   if change.get("actions") != ["no-op"])
    return review
