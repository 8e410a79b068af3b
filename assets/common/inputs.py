"""Gold inputs that can be missing for a day, and the warning that says which value stood in.

DOMAIN.md §3.2: a gold dataset never silently assumes a value for an input that failed or is
absent for its day. It is either not built, with the reason (`require`), or built from the
latest good value, named with its date, under a warning check that alerts (`inputs_check`).
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets.common.checks import INPUTS_CURRENT
from assets.common.datasets import Dataset
from assets.common.partitions import latest_snapshot_key, partition_of
from resources.lake import LakeStorage


@dataclass(frozen=True)
class Input:
    name: str  # what the input is, as a reader would say it: "bureau_scores"
    wanted: str  # the partition of it that the day needs
    used: str | None  # the partition that was used; None when there is none at all

    @property
    def current(self) -> bool:
        return self.used == self.wanted


def snapshot_input(lake: LakeStorage, dataset: Dataset, wanted: str) -> tuple[str | None, Input]:
    """The latest published snapshot of `dataset` at or before `wanted` (its key), and what was used."""
    key = latest_snapshot_key(lake, dataset, wanted)
    return key, Input(dataset.name, wanted, partition_of(key) if key else None)


def own_input(lake: LakeStorage, dataset: Dataset, partition: str) -> tuple[str, Input]:
    """The partition's own published snapshot of `dataset`, for an input nothing may stand in for."""
    key = dataset.lake_key(partition)
    return key, Input(dataset.name, partition, partition if lake.exists(key) else None)


def require(context: dg.AssetExecutionContext, inputs: list[Input], why: str) -> None:
    """Refuses to build the asset's partition when any input has no good value to use."""
    absent = [i for i in inputs if i.used is None]
    if absent:
        names = ", ".join(f"{i.name} for {i.wanted}" for i in absent)
        raise dg.Failure(
            description=f"{context.asset_key.to_user_string()} is not built for {context.partition_key}: no good {names} is published. {why} "
            "Materialize the missing input, and this partition is rebuilt when it arrives.",
            metadata={"missing_inputs": dg.MetadataValue.json([i.name for i in absent])},
            allow_retries=False,
        )


def inputs_check(inputs: list[Input], notes: dict[str, str] | None = None) -> dg.AssetCheckResult:
    """WARN when any input is not the partition's own: it then names what stood in, and from when."""
    stale = [i for i in inputs if not i.current]
    description = (
        "Every input is the partition's own."
        if not stale
        else "Missing input: " + "; ".join(
            f"{i.name} for {i.wanted}: " + (f"the latest good one, of {i.used}, stood in" if i.used else "nothing stood in") for i in stale
        ) + "."
    )
    return dg.AssetCheckResult(
        check_name=INPUTS_CURRENT,
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={**{f"{i.name}_used": str(i.used) for i in inputs}, **{f"{i.name}_wanted": i.wanted for i in inputs}, **(notes or {})},
    )
