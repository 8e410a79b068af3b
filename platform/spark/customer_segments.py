"""Customer segments (DOMAIN.md §2.3): K-means, k = 5, on standardized RFM features over the
whole purchase history, as one Spark job for any number of months.

Run by Dagster through Pipes: locally on local Spark over the lake directory, in production
on EMR Serverless over S3. It needs only pyspark and dagster-pipes, so it ships as one file.

Extras:
    pos_lines: [uri, ...]       every silver pos_lines partition up to the last month's end
    months: [{"month": "2024-10-01", "month_end": "2024-10-31", "output": uri}, ...]

It reports, per month, the customers and the total spend of the history it read, for the
platform's coverage and reconciliation checks.

Per month, over the history through its end (as of the last day with sales):
    recency_days = as-of date − last purchase; frequency = receipts; monetary = Σ amount.
Features are standardized (mean 0, unit variance) so that spend in dollars does not drown
out visit counts. Segments are numbered by average spend, 1 the highest, so a segment keeps
its meaning from month to month although K-means' own cluster ids are arbitrary.
"""

from dagster_pipes import open_dagster_pipes
from pyspark.ml import Pipeline
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import StandardScaler, VectorAssembler
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

K, SEED = 5, 1
FEATURES = ["recency_days", "frequency", "monetary"]


def segments_as_of(lines, month: str, month_end: str):
    history = lines.where(F.col("transaction_date") <= F.lit(month_end).cast("date"))
    as_of = history.agg(F.max("transaction_date")).first()[0]
    rfm = (
        history.groupBy("customer_id")
        .agg(F.max("transaction_date").alias("last_purchase"), F.countDistinct("receipt_id").alias("frequency"), F.sum("amount").alias("monetary"))
        .select(
            "customer_id",
            F.datediff(F.lit(as_of), "last_purchase").cast("long").alias("recency_days"),
            F.col("frequency").cast("long"),
            F.col("monetary").cast("decimal(14,2)"),
        )
        .cache()
    )
    k = min(K, rfm.count())
    model = Pipeline(stages=[
        VectorAssembler(inputCols=FEATURES, outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features", withMean=True, withStd=True),
        KMeans(k=k, seed=SEED, featuresCol="features", predictionCol="cluster"),
    ]).fit(rfm)
    clustered = model.transform(rfm)
    by_spend = clustered.groupBy("cluster").agg(F.avg("monetary").alias("average_spend"))
    numbering = by_spend.select("cluster", F.row_number().over(Window.orderBy(F.desc("average_spend"), "cluster")).alias("segment"))
    result = clustered.join(numbering, "cluster").select(
        F.lit(month).cast("date").alias("month"), F.lit(as_of).cast("date").alias("as_of_date"), "customer_id",
        F.col("segment").cast("long"), *FEATURES,
    )
    totals = {"customers": rfm.count(), "spend": str(history.agg(F.sum("amount")).first()[0])}
    return result, totals


def main() -> None:
    with open_dagster_pipes() as pipes:
        spark = SparkSession.builder.appName("customer_segments").config("spark.sql.session.timeZone", "UTC").getOrCreate()
        spark.sparkContext.setLogLevel("WARN")
        lines = (
            spark.read.parquet(*pipes.extras["pos_lines"])
            .where(F.col("customer_id").isNotNull())
            .select("customer_id", "receipt_id", "transaction_date", "amount")
            .cache()
        )
        report = {}
        for month in pipes.extras["months"]:
            result, totals = segments_as_of(lines, month["month"], month["month_end"])
            result.write.mode("overwrite").parquet(month["output"])
            report[month["month"]] = totals
            pipes.log.info(f"customer_segments {month['month']}: {totals['customers']} customers, spend {totals['spend']}")
        pipes.report_custom_message(report)
        spark.stop()


if __name__ == "__main__":
    main()
