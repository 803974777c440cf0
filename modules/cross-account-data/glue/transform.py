"""Glue job of the cross-account data pipeline: one dt partition of the crawled input -> Parquet in staging.

Reads ``--source_database``.``--source_table`` (crawled from account A's input bucket, hive-style ``dt=``
partitions) for ``--run_date`` only, derives ``amount`` and writes the columns in the order of the Redshift
staging table to ``--target_path``/dt=<run_date>/, replacing what an earlier run of the same date wrote.
Uploaded by Terraform (modules/cross-account-data); the DAG passes ``--run_date``.
"""

import re
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as sf

ARGS = getResolvedOptions(sys.argv, ["JOB_NAME", "source_database", "source_table", "target_path", "run_date"])
if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", ARGS["run_date"]):
    raise ValueError(f"--run_date must be YYYY-MM-DD, got {ARGS['run_date']!r}")

glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(ARGS["JOB_NAME"], ARGS)

frame = glue_context.create_dynamic_frame.from_catalog(
    database=ARGS["source_database"],
    table_name=ARGS["source_table"],
    push_down_predicate=f"dt = '{ARGS['run_date']}'",
).toDF()

curated = frame.select(
    sf.col("order_id").cast("string"),
    sf.col("customer_id").cast("string"),
    sf.col("product").cast("string"),
    sf.col("quantity").cast("int"),
    sf.col("unit_price").cast("decimal(12,2)"),
    (sf.col("quantity") * sf.col("unit_price")).cast("decimal(14,2)").alias("amount"),
    sf.to_timestamp("order_ts").alias("order_ts"),
)

target = ARGS["target_path"].rstrip("/") + f"/dt={ARGS['run_date']}/"
curated.write.mode("overwrite").parquet(target)
job.commit()
