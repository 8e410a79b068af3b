"""Spark: where the Spark-sized jobs run. Local Spark in the embedded default, EMR Serverless in production.

Both run the same script from platform/spark/ through Dagster Pipes, so logs and the job's
report come back to the run either way. Locally it is a subprocess on local Spark reading
the lake directory; in production the script is uploaded to the lake bucket (named by its
content hash, so a run always executes the code Dagster is running) and submitted to EMR.
"""

from __future__ import annotations

import hashlib
import os
import sys
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg
from pydantic import Field

from resources.lake import LakeStorage

SPARK_JOBS = Path(__file__).resolve().parents[1] / "platform" / "spark"


def spark_job_script(job: str) -> Path:
    script = SPARK_JOBS / f"{job}.py"
    if not script.is_file():
        raise FileNotFoundError(f"no Spark job script {script}")
    return script


class SparkRunner(dg.ConfigurableResource, ABC):
    @abstractmethod
    def run(self, context: dg.AssetExecutionContext, job: str, extras: dict) -> dict:
        """Runs platform/spark/<job>.py with `extras` and returns the report it sent back."""


def _report(invocation: dg.PipesClientCompletedInvocation, job: str) -> dict:
    messages = invocation.get_custom_messages()
    if not messages:
        raise dg.Failure(f"Spark job {job} finished without reporting its results")
    return messages[-1]


class LocalSpark(SparkRunner):
    """Local Spark in a subprocess: the embedded default, and the tests."""

    master: str = Field(default="local[2]", description="Spark master URL; two cores on this machine.")
    driver_memory: str = "2g"

    def run(self, context: dg.AssetExecutionContext, job: str, extras: dict) -> dict:
        env = {
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
            "PYSPARK_PYTHON": sys.executable,
            # A handful of shuffle partitions: the default 200 is tuned for clusters, not one machine.
            "PYSPARK_SUBMIT_ARGS": f"--master {self.master} --driver-memory {self.driver_memory} "
            "--conf spark.sql.shuffle.partitions=8 --conf spark.ui.enabled=false pyspark-shell",
        }
        invocation = dg.PipesSubprocessClient(env=env).run(context=context, command=[sys.executable, str(spark_job_script(job))], extras=extras)
        return _report(invocation, job)


class EmrServerlessSpark(SparkRunner):
    """EMR Serverless: no cluster to keep running for jobs that run nightly or monthly.

    Capacity is on-demand; EMR Serverless has no spot option, and that is the right trade
    here: a reclaimed executor would restart the month's interest posting, which has a
    deadline, while the jobs are short enough that spot savings would be small.
    """

    application_id: str
    execution_role_arn: str
    region_name: str | None = None
    scripts: LakeStorage = Field(description="Where job scripts are uploaded: the S3 lake bucket, under `_platform/spark/`.")
    log_group: str = Field(description="CloudWatch log group: Pipes reads the job's messages from it.")
    python_environment: str | None = Field(
        default=None, description="s3:// URI of a packed virtualenv (venv-pack) with dagster-pipes, unpacked as the job's Python."
    )
    spark_conf: str = Field(default="", description="Extra `--conf k=v` pairs, space-separated, e.g. executor sizes.")

    def run(self, context: dg.AssetExecutionContext, job: str, extras: dict) -> dict:
        import boto3
        from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient

        entry_point = self._upload(job)
        params = emr_serverless_job_params(
            job, entry_point, self.application_id, self.execution_role_arn, self.log_group, self.python_environment, self.spark_conf
        )
        client = PipesEMRServerlessClient(
            client=boto3.client("emr-serverless", region_name=self.region_name),
            message_reader=PipesCloudWatchMessageReader(client=boto3.client("logs", region_name=self.region_name)),
        )
        return _report(client.run(context=context, start_job_run_params=params, extras=extras), job)

    def _upload(self, job: str) -> str:
        code = spark_job_script(job).read_bytes()
        key = f"_platform/spark/{job}-{hashlib.sha256(code).hexdigest()[:12]}.py"
        if not self.scripts.exists(key):
            self.scripts.write(key, code)
        return self.scripts.uri(key)


def emr_serverless_job_params(
    job: str, entry_point: str, application_id: str, execution_role_arn: str, log_group: str, python_environment: str | None, spark_conf: str
) -> dict:
    """StartJobRun parameters. CloudWatch logging is on because Pipes reads the job's report
    from it; the packed environment, when given, supplies dagster-pipes to driver and executors."""
    conf = ["--conf spark.sql.session.timeZone=UTC"]
    if python_environment:
        conf += [
            f"--conf spark.archives={python_environment}#environment",
            "--conf spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON=./environment/bin/python",
            "--conf spark.emr-serverless.driverEnv.PYSPARK_PYTHON=./environment/bin/python",
            "--conf spark.executorEnv.PYSPARK_PYTHON=./environment/bin/python",
        ]
    if spark_conf.strip():
        conf += [f"--conf {pair}" for pair in spark_conf.split()]
    return {
        "applicationId": application_id,
        "executionRoleArn": execution_role_arn,
        "name": f"data-platform-{job}",
        "jobDriver": {"sparkSubmit": {"entryPoint": entry_point, "sparkSubmitParameters": " ".join(conf)}},
        "configurationOverrides": {
            "monitoringConfiguration": {"cloudWatchLoggingConfiguration": {"enabled": True, "logGroupName": log_group}}
        },
    }
