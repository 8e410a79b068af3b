"""Asset checks shared by every dataset, built from the dataset's pandera model.

Check names are module constants so sensors, tests and alerts refer to them by name.
Blocking checks stop downstream assets in the same run; warnings only inform.
"""

from __future__ import annotations

import dagster as dg
import polars as pl

from assets.common.screening import REJECT_REASONS, Screened, reason_counts

CONTRACT = "contract"
SCHEMA = "schema"
CONSERVATION = "conservation"
ERROR_BUDGET = "error_budget"
QUARANTINE = "quarantine"
RECONCILES = "reconciles_to_silver"
INPUTS_CURRENT = "inputs_current"
ERROR_BUDGET_RATE = 0.05
SAMPLE_ROWS = 5

_DESCRIPTIONS = {
    CONTRACT: "Every landing file of the partition has exactly the source's columns and can be read. "
    "On failure nothing is written: fix or re-deliver the named file and the sensor re-runs the partition.",
    SCHEMA: "The output satisfies its pandera model (types, nullability, ranges, unique grain). "
    "A failure is a platform bug, not bad input: the transform let through a row its contract forbids. The partition is "
    "not published; the failing columns are in the metadata. Page the platform team.",
    CONSERVATION: "rows in bronze = silver + quarantine + dropped duplicates. A failure means the transform lost or invented "
    "rows: a platform bug. The partition is not published; page the platform team.",
    ERROR_BUDGET: "At most 5% of the partition's rows (duplicates aside) are quarantined. Above it gold is not built "
    "from this partition: inspect quarantine/ for the reasons and ask the source to re-deliver.",
    QUARANTINE: "Warns when any row was quarantined below the error budget; the reasons and a sample are in the metadata. "
    "Nothing to do for a single day; a reason that keeps recurring is one to raise with the source system's owner.",
    RECONCILES: "Money reconciles to the cent: the gold total equals the silver total for the partition. A failure is a platform "
    "bug in the aggregation: the partition is not published and downstream waits; page the platform team.",
    INPUTS_CURRENT: "Warns when an input was missing for the partition (it failed its checks or was not delivered) and the latest "
    "good value before it stood in; the metadata names each input's date. Re-deliver or repair the input, and its arrival "
    "rebuilds this partition.",
}


def silver_check_specs(asset: str) -> list[dg.AssetCheckSpec]:
    key = dg.AssetKey(asset)
    return [
        dg.AssetCheckSpec(SCHEMA, asset=key, blocking=True, description=_DESCRIPTIONS[SCHEMA]),
        dg.AssetCheckSpec(CONSERVATION, asset=key, blocking=True, description=_DESCRIPTIONS[CONSERVATION]),
        dg.AssetCheckSpec(ERROR_BUDGET, asset=key, blocking=True, description=_DESCRIPTIONS[ERROR_BUDGET]),
        dg.AssetCheckSpec(QUARANTINE, asset=key, blocking=False, description=_DESCRIPTIONS[QUARANTINE]),
    ]


def gold_check_specs(
    asset: str, extra: dict[str, str] | None = None, reporting: dict[str, str] | None = None, inputs: bool = False
) -> list[dg.AssetCheckSpec]:
    """`extra` maps further check names of the dataset to their descriptions; they block like
    schema and reconciliation. `reporting` checks fail loudly but do not block: they judge the
    data the asset reports on (a ledger break), not the asset's own arithmetic. `inputs` adds the
    inputs_current warning, for a dataset built with a stand-in for a missing input (assets/common/inputs.py)."""
    key = dg.AssetKey(asset)
    described = {SCHEMA: _DESCRIPTIONS[SCHEMA], RECONCILES: _DESCRIPTIONS[RECONCILES]} | (extra or {})
    non_blocking = (reporting or {}) | ({INPUTS_CURRENT: _DESCRIPTIONS[INPUTS_CURRENT]} if inputs else {})
    blocking = [dg.AssetCheckSpec(name, asset=key, blocking=True, description=text) for name, text in described.items()]
    return blocking + [dg.AssetCheckSpec(name, asset=key, blocking=False, description=text) for name, text in non_blocking.items()]


def contract_check_spec(asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(CONTRACT, asset=dg.AssetKey(asset), blocking=True, description=_DESCRIPTIONS[CONTRACT])


def schema_check(model, frame: pl.DataFrame | pl.LazyFrame) -> dg.AssetCheckResult:
    """Runs the pandera model lazily, so one evaluation reports every failing column and check.
    A LazyFrame (a staged file) gets the data checks too, not only pandera's default schema-only
    pass; each check then reads just the columns it needs."""
    import pandera.errors
    from pandera.config import ValidationDepth, config_context

    try:
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            model.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        summary = cases.group_by("column", "check").len().sort("len", descending=True)
        return dg.AssetCheckResult(
            check_name=SCHEMA,
            passed=False,
            metadata={
                "failure_cases": len(cases),
                "failures_by_check": dg.MetadataValue.md(_markdown(summary.head(20))),
            },
        )
    return dg.AssetCheckResult(check_name=SCHEMA, passed=True)


def screening_checks(screened: Screened, rows_valid: int) -> list[dg.AssetCheckResult]:
    """`rows_valid` is counted from the written output, so conservation checks what was published."""
    quarantined = screened.quarantined.height
    accounted = rows_valid + quarantined + screened.duplicates
    reasons = reason_counts(screened.quarantined)
    budget_metadata = {
        "quarantined": quarantined,
        "error_rate": round(screened.error_rate, 6),
        "budget": ERROR_BUDGET_RATE,
        "reasons": dg.MetadataValue.json(reasons),
    }
    over = screened.error_rate > ERROR_BUDGET_RATE
    rate = (
        f"{quarantined:,} of {screened.rows_in - screened.duplicates:,} rows quarantined ({screened.error_rate:.2%}), "
        f"{'over' if over else 'within'} the {ERROR_BUDGET_RATE:.0%} error budget"
    )
    top = ", ".join(f"{reason} {n:,}" for reason, n in list(reasons.items())[:3])
    budget_description = (
        f"{rate}. Top reasons: {top}. Silver for this partition is not published and gold waits. Inspect the rejected rows "
        "in quarantine (the quarantine_path of this run's materialization) and ask the source to re-deliver; a corrected "
        "file re-runs the partition."
        if over
        else f"{rate}."
    )
    return [
        dg.AssetCheckResult(
            check_name=CONSERVATION,
            passed=accounted == screened.rows_in,
            metadata={"rows_in": screened.rows_in, "accounted_for": accounted, "difference": screened.rows_in - accounted},
        ),
        dg.AssetCheckResult(check_name=ERROR_BUDGET, passed=not over, metadata=budget_metadata, description=budget_description),
        dg.AssetCheckResult(
            check_name=QUARANTINE,
            passed=quarantined == 0,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{rate}" + (f"; reasons: {top}." if quarantined else "."),
            metadata=budget_metadata | {"sample": dg.MetadataValue.md(_markdown(_reasons_first(screened.quarantined.head(SAMPLE_ROWS))))},
        ),
    ]


def _reasons_first(rows: pl.DataFrame) -> pl.DataFrame:
    """Why and where first: a wide source's reasons would otherwise sit off-screen to the right."""
    first = [REJECT_REASONS, "_source_key", "_source_line"]
    return rows.select(*first, pl.exclude(first))


def reconciliation_check(gold_total, silver_total, label: str = "revenue", check_name: str = RECONCILES) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=gold_total == silver_total,
        metadata={f"gold_{label}": str(gold_total), f"silver_{label}": str(silver_total)},
    )


def _markdown(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "_none_"
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * frame.width + "\n"
    cells = (("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |") for row in frame.iter_rows())
    return header + "\n".join(cells)
