"""Iceberg table maintenance of every table in a catalog, the platform's scheduled Spark job.

For each table: compact small data files (rewrite_data_files) and manifests (rewrite_manifests).
Both only add a snapshot; nothing is deleted. Expiring snapshots and removing orphan files is not
done here: the tables live in Nessie, whose branches and tags share files, so Nessie creates them
with gc.enabled=false and Iceberg refuses expire_snapshots ("GC is disabled"); unreferenced files
are collected across all references by Nessie's own GC. Prints one JSON line per table.
"""

import argparse
import json
import os

from pyspark.sql import SparkSession


def quoted(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def tables(spark: SparkSession, catalog: str):
    for (namespace,) in spark.sql(f"SHOW NAMESPACES IN {quoted(catalog)}").collect():
        for row in spark.sql(f"SHOW TABLES IN {quoted(catalog)}.{quoted(namespace)}").collect():
            yield namespace, row.tableName


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", required=True)
    args = parser.parse_args()
    builder = SparkSession.builder.appName("iceberg-maintenance")
    # The catalog client's "<id>:<secret>" when the catalog requires tokens: the driver has it from a
    # sealed Secret, never as a setting (spark-submit writes settings into a ConfigMap in plain text).
    credential = os.environ.get("LAKEHOUSE_CATALOG_CREDENTIAL")
    if credential:
        builder = builder.config(f"spark.sql.catalog.{args.catalog}.credential", credential)
    spark = builder.getOrCreate()
    system = f"{quoted(args.catalog)}.system"
    for namespace, table in tables(spark, args.catalog):
        name = f"{namespace}.{table}"
        data = spark.sql(f"CALL {system}.rewrite_data_files(table => '{name}')").collect()[0].asDict()
        manifests = spark.sql(f"CALL {system}.rewrite_manifests(table => '{name}')").collect()[0].asDict()
        print(json.dumps({"table": name, "rewrite_data_files": data, "rewrite_manifests": manifests}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
