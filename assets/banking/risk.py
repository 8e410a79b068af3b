"""Credit risk (DOMAIN.md §3.3): expected loss per loan, and Basel III standardized capital.

The parameters are a simple, documented model, not a calibrated one: they belong to the
bank's risk team and live here as named constants so a change is a reviewed code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

# PD: a base rate per credit-score band, scaled by delinquency and by unemployment.
SCORE_BANDS = ((750, "excellent", 0.005), (700, "good", 0.010), (650, "fair", 0.025), (600, "poor", 0.050), (300, "very_poor", 0.100))
UNSCORED_PD = 0.050
STAGE_2_DAYS, STAGE_3_DAYS = 30, 90  # IFRS 9 staging: 30+ days past due is stage 2, 90+ is stage 3 (default)
STAGE_2_PD_MULTIPLIER = 4.0
BASELINE_UNEMPLOYMENT = 4.0  # %, the rate at which the macro factor is 1

# LGD: what a forced sale of the collateral recovers (after a 20% haircut) reduces the loss.
COLLATERAL_RECOVERY = 0.80
UNSECURED_LGD = 0.75
LGD_FLOOR = 0.10

# Basel III standardized risk weights (DOMAIN.md §3.3).
RISK_WEIGHTS = {"mortgage": 0.35, "auto": 0.75, "personal": 0.75, "sme": 1.00}
PAST_DUE_RISK_WEIGHT, PAST_DUE_WEIGHT_DAYS = 1.50, 90  # any loan more than 90 days past due

MINIMUM_CET1, MINIMUM_TIER1, MINIMUM_TOTAL, CONSERVATION_BUFFER = 0.045, 0.06, 0.08, 0.025


def score_band(score: pl.Expr) -> pl.Expr:
    expr = pl.lit("unscored")
    for floor, band, _ in reversed(SCORE_BANDS):
        expr = pl.when(score >= floor).then(pl.lit(band)).otherwise(expr)
    return expr


def _base_pd(score: pl.Expr) -> pl.Expr:
    expr = pl.lit(UNSCORED_PD)
    for floor, _, pd in reversed(SCORE_BANDS):
        expr = pl.when(score >= floor).then(pl.lit(pd)).otherwise(expr)
    return expr


def stage(days_past_due: pl.Expr) -> pl.Expr:
    return pl.when(days_past_due >= STAGE_3_DAYS).then(3).when(days_past_due >= STAGE_2_DAYS).then(2).otherwise(1).cast(pl.Int8)


def probability_of_default(score: pl.Expr, days_past_due: pl.Expr, unemployment_rate: pl.Expr) -> pl.Expr:
    """Band PD x 4 in stage 2 x (unemployment / 4%), capped at 1; stage 3 has defaulted: PD = 1."""
    macro = unemployment_rate / BASELINE_UNEMPLOYMENT
    delinquency = pl.when(days_past_due >= STAGE_2_DAYS).then(STAGE_2_PD_MULTIPLIER).otherwise(1.0)
    return pl.when(days_past_due >= STAGE_3_DAYS).then(1.0).otherwise(pl.min_horizontal(_base_pd(score) * delinquency * macro, pl.lit(1.0)))


def loss_given_default(exposure: pl.Expr, collateral: pl.Expr) -> pl.Expr:
    """75% unsecured, less what 80% of the collateral recovers, never below 10%."""
    ead = exposure.cast(pl.Float64)
    recovered = pl.min_horizontal(ead, collateral.cast(pl.Float64) * COLLATERAL_RECOVERY)
    lgd = pl.when(ead > 0).then(UNSECURED_LGD * (1 - recovered / ead)).otherwise(0.0)
    return pl.max_horizontal(lgd, pl.lit(LGD_FLOOR))


def risk_weight(product: pl.Expr, days_past_due: pl.Expr) -> pl.Expr:
    weight = product.replace_strict(RISK_WEIGHTS, default=None, return_dtype=pl.Float64)
    return pl.when(days_past_due > PAST_DUE_WEIGHT_DAYS).then(PAST_DUE_RISK_WEIGHT).otherwise(weight)


def cents(value: pl.Expr) -> pl.Expr:
    return value.round(2).cast(pl.Decimal(38, 2))


def loan_risk(day: date, loans: pl.DataFrame, scores: pl.DataFrame, unemployment_rate: float) -> pl.DataFrame:
    """One row per loan: PD, LGD, EAD (= outstanding balance), expected loss, stage, risk weight
    and RWA. A customer's score is the mean of their bureaus' latest scores; a customer the bureaus
    do not know is "unscored". The unemployment rate is never assumed: the caller must know it."""
    customer_scores = scores.group_by("customer_id").agg(pl.col("score").mean().alias("credit_score"))
    dpd, ead = pl.col("days_past_due"), pl.col("outstanding_balance")
    unemployment = pl.lit(unemployment_rate, pl.Float64)
    return (
        loans.join(customer_scores, on="customer_id", how="left")
        .select(
            pl.lit(day).alias("date"), "loan_id", "customer_id", "product", "days_past_due",
            pl.col("credit_score").round(0).cast(pl.Int64), score_band(pl.col("credit_score")).alias("score_band"),
            stage(dpd).alias("stage"),
            probability_of_default(pl.col("credit_score"), dpd, unemployment).alias("pd"),
            loss_given_default(ead, pl.col("collateral_value")).alias("lgd"),
            ead.cast(pl.Decimal(38, 2)).alias("ead"),
            pl.col("collateral_value").cast(pl.Decimal(38, 2)),
            risk_weight(pl.col("product"), dpd).alias("risk_weight"),
        )
        .with_columns(
            expected_loss=cents(pl.col("pd") * pl.col("lgd") * pl.col("ead").cast(pl.Float64)),
            rwa=cents(pl.col("ead").cast(pl.Float64) * pl.col("risk_weight")),
        )
        .sort("loan_id")
    )


@dataclass(frozen=True)
class Capital:
    """Regulatory capital, in the book's currency (configured, not derived from data)."""

    cet1: float
    additional_tier1: float
    tier2: float


def capital_adequacy(month: date, loan_risk_rows: pl.DataFrame, capital: Capital) -> pl.DataFrame:
    """RWA by bucket (each product, and loans > 90 days past due at 150%) and the CET1, Tier 1
    and total capital ratios against the minimums and the conservation buffer."""
    bucket = pl.when(pl.col("days_past_due") > PAST_DUE_WEIGHT_DAYS).then(pl.lit("past_due")).otherwise(pl.col("product"))
    by_bucket = loan_risk_rows.group_by(bucket.alias("bucket")).agg(pl.col("rwa").sum())
    rwa_of = {b: by_bucket.filter(pl.col("bucket") == b).get_column("rwa").sum() for b in (*RISK_WEIGHTS, "past_due")}
    rwa_total = loan_risk_rows.get_column("rwa").sum()
    tier1 = capital.cet1 + capital.additional_tier1
    total = tier1 + capital.tier2
    rwa = float(rwa_total) if rwa_total else 0.0

    def ratio(amount: float) -> float | None:
        return round(amount / rwa, 6) if rwa else None

    row = {
        "month": month,
        **{f"rwa_{b}": rwa_of[b] for b in rwa_of},
        "rwa_total": rwa_total,
        "ead_total": loan_risk_rows.get_column("ead").sum(),
        "loans": loan_risk_rows.height,
        "cet1_capital": capital.cet1,
        "tier1_capital": tier1,
        "total_capital": total,
        "cet1_ratio": ratio(capital.cet1),
        "tier1_ratio": ratio(tier1),
        "total_ratio": ratio(total),
    }
    frame = pl.DataFrame([row], schema_overrides={k: pl.Decimal(38, 2) for k in row if k.startswith(("rwa_", "ead_"))})
    return frame.with_columns(
        cet1_below_minimum=pl.col("cet1_ratio") < MINIMUM_CET1,
        tier1_below_minimum=pl.col("tier1_ratio") < MINIMUM_TIER1,
        total_below_minimum=pl.col("total_ratio") < MINIMUM_TOTAL,
        conservation_buffer_breached=pl.col("cet1_ratio") < MINIMUM_CET1 + CONSERVATION_BUFFER,
    )
