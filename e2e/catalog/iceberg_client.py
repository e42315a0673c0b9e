"""The catalog e2e's Iceberg client: pyiceberg through Nessie's Iceberg REST API, as an engine uses it.

    iceberg_client.py URI S3_ENDPOINT ACCESS_KEY SECRET_KEY REGION < ops.json

Each op is one JSON object per line of output:
  {"op": "create", "namespace": n, "table": t}        -> {"metadata_location": ..., "location": ...}
  {"op": "append", "namespace": n, "table": t, "ids": [..]} -> {"snapshot_id": ..., "metadata_location": ...}
  {"op": "read", "namespace": n, "table": t}          -> {"ids": [...], "snapshot_id": ..., "metadata_location": ...}
The client brings its own S3 keys (the platform's decision: every engine is its own identity), and
signs in to the catalog with its own client of the platform realm when LAKEHOUSE_CATALOG_CREDENTIAL
("<id>:<secret>") is set, at LAKEHOUSE_CATALOG_OAUTH2_SERVER_URI with LAKEHOUSE_CATALOG_SCOPE.
"""
import json
import os
import sys

import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType

SCHEMA = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "name", StringType(), required=False))


def main():
    uri, endpoint, access_key, secret_key, region = sys.argv[1:6]
    sign_in = {}
    if os.environ.get("LAKEHOUSE_CATALOG_CREDENTIAL"):
        sign_in = {
            "credential": os.environ["LAKEHOUSE_CATALOG_CREDENTIAL"],
            "oauth2-server-uri": os.environ["LAKEHOUSE_CATALOG_OAUTH2_SERVER_URI"],
            "scope": os.environ["LAKEHOUSE_CATALOG_SCOPE"],
        }
    catalog = RestCatalog(
        "nessie",
        uri=uri,
        **sign_in,
        **{"s3.endpoint": endpoint, "s3.access-key-id": access_key, "s3.secret-access-key": secret_key, "s3.region": region},
    )
    for op in json.load(sys.stdin):
        ident = f"{op['namespace']}.{op['table']}"
        if op["op"] == "create":
            if (op["namespace"],) not in catalog.list_namespaces():
                catalog.create_namespace(op["namespace"])
            table = catalog.create_table(ident, schema=SCHEMA)
            table = catalog.load_table(ident)
            out = {"metadata_location": table.metadata_location, "location": table.location()}
        elif op["op"] == "append":
            table = catalog.load_table(ident)
            table.append(pa.table({"id": pa.array(op["ids"], pa.int64()), "name": pa.array([f"row {i}" for i in op["ids"]], pa.string())}))
            table = catalog.load_table(ident)
            out = {"snapshot_id": table.current_snapshot().snapshot_id, "metadata_location": table.metadata_location}
        elif op["op"] == "read":
            table = catalog.load_table(ident)
            rows = table.scan().to_arrow().to_pylist()
            snapshot = table.current_snapshot()
            out = {"ids": sorted(r["id"] for r in rows), "snapshot_id": snapshot.snapshot_id if snapshot else None, "metadata_location": table.metadata_location}
        else:
            raise SystemExit(f"unknown op {op['op']}")
        print(json.dumps({"op": op["op"], **out}), flush=True)


if __name__ == "__main__":
    main()
