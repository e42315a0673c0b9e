"""The lakehouse e2e's Spark application: reads the table Trino wrote and writes a second one.

Run with spark-submit and the rendered spark-defaults.conf (SPARK_CONF_DIR), so the lakehouse
catalog is exactly the one the program configures. Prints one JSON line.
"""

import json
import os
import sys

from pyspark.sql import SparkSession


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.appName("lakehouse-e2e").getOrCreate()
    # As a platform job signs in to the catalog (images/spark/jobs): the credential from the driver's
    # variable, set before the catalog is first used (catalogs are loaded on first use).
    credential = os.environ.get("LAKEHOUSE_CATALOG_CREDENTIAL")
    if credential:
        spark.conf.set(f"spark.sql.catalog.{spark.conf.get('spark.sql.defaultCatalog')}.credential", credential)
    # spark.sql.defaultCatalog is lakehouse: unqualified names are its tables.
    read = spark.sql(f"SELECT count(*) AS n, sum(id) AS ids FROM {source}").collect()[0]
    spark.sql(f"CREATE TABLE {target} USING iceberg AS SELECT region, count(*) AS orders, sum(amount) AS amount FROM {source} GROUP BY region")
    written = spark.sql(f"SELECT count(*) FROM {target}").collect()[0][0]
    print(json.dumps({"read": read["n"], "ids": read["ids"], "written": written, "catalog": spark.conf.get("spark.sql.defaultCatalog")}), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
