"""S3 operations for the object store's real-process check, with one identity's static keys.

Usage: s3client.py ENDPOINT ACCESS_KEY SECRET_KEY REGION < plan.json
plan.json is a list of operations; prints one JSON result per operation (same order):
  {"op": "put", "bucket": b, "key": k, "size": n}        -> {"status": 200|403|..., "sha256": ...}
  {"op": "get", "bucket": b, "key": k}                   -> {"status": ..., "sha256": ..., "size": n}
  {"op": "delete", "bucket": b, "key": k}
  {"op": "list", "bucket": b}                            -> {"status": ..., "keys": [...]}
  {"op": "create-bucket", "bucket": b}
  {"op": "delete-bucket", "bucket": b}
  {"op": "multipart", "bucket": b, "key": k, "size": n, "part": p}
                                                         -> {"status": ..., "sha256": ..., "seconds": s}
  {"op": "latency", "bucket": b, "count": n, "size": s}  -> {"status": ..., "put_p50_ms": ..., "get_p50_ms": ...}
  {"op": "put-until", "bucket": b, "key": k, "timeout": s}
                                                         -> {"status": ..., "seconds": s, "attempts": n}
Path-style addressing, SigV4, as the platform's clients use the gateway.
"""
import hashlib
import json
import statistics
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError, ConnectionClosedError


def client(endpoint, access_key, secret_key, region):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def status_of(error):
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)


def payload(size, seed):
    # Deterministic, incompressible enough: repeated hash blocks.
    block = hashlib.sha256(seed.encode()).digest() * 2048
    data = (block * (size // len(block) + 1))[:size]
    return data


def run(s3, op):
    kind = op["op"]
    try:
        if kind == "put":
            data = payload(op.get("size", 1024), op["key"])
            s3.put_object(Bucket=op["bucket"], Key=op["key"], Body=data)
            return {"status": 200, "sha256": hashlib.sha256(data).hexdigest()}
        if kind == "get":
            body = s3.get_object(Bucket=op["bucket"], Key=op["key"])["Body"].read()
            return {"status": 200, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        if kind == "delete":
            s3.delete_object(Bucket=op["bucket"], Key=op["key"])
            return {"status": 204}
        if kind == "list":
            listed = s3.list_objects_v2(Bucket=op["bucket"])
            return {"status": 200, "keys": [o["Key"] for o in listed.get("Contents", [])]}
        if kind == "create-bucket":
            s3.create_bucket(Bucket=op["bucket"])
            return {"status": 200}
        if kind == "delete-bucket":
            s3.delete_bucket(Bucket=op["bucket"])
            return {"status": 204}
        if kind == "multipart":
            size, part = op["size"], op["part"]
            data = payload(size, op["key"])
            started = time.monotonic()
            upload = s3.create_multipart_upload(Bucket=op["bucket"], Key=op["key"])
            parts = []
            for number, offset in enumerate(range(0, size, part), start=1):
                etag = s3.upload_part(Bucket=op["bucket"], Key=op["key"], UploadId=upload["UploadId"], PartNumber=number, Body=data[offset : offset + part])["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
            s3.complete_multipart_upload(Bucket=op["bucket"], Key=op["key"], UploadId=upload["UploadId"], MultipartUpload={"Parts": parts})
            seconds = time.monotonic() - started
            return {"status": 200, "sha256": hashlib.sha256(data).hexdigest(), "seconds": seconds, "parts": len(parts)}
        if kind == "latency":
            puts, gets = [], []
            for i in range(op["count"]):
                key = f"latency/{i}"
                data = payload(op["size"], key)
                t = time.monotonic()
                s3.put_object(Bucket=op["bucket"], Key=key, Body=data)
                puts.append((time.monotonic() - t) * 1000)
                t = time.monotonic()
                s3.get_object(Bucket=op["bucket"], Key=key)["Body"].read()
                gets.append((time.monotonic() - t) * 1000)
            return {"status": 200, "put_p50_ms": statistics.median(puts), "get_p50_ms": statistics.median(gets)}
        if kind == "put-until":
            started, attempts = time.monotonic(), 0
            while True:
                attempts += 1
                try:
                    s3.put_object(Bucket=op["bucket"], Key=f"{op['key']}/{attempts}", Body=b"after failover")
                    return {"status": 200, "seconds": time.monotonic() - started, "attempts": attempts}
                except (ClientError, EndpointConnectionError, ReadTimeoutError, ConnectionClosedError) as error:
                    if time.monotonic() - started > op["timeout"]:
                        return {"status": status_of(error) if isinstance(error, ClientError) else 0, "seconds": time.monotonic() - started, "attempts": attempts, "error": str(error)}
                    time.sleep(0.2)
        return {"status": 0, "error": f"unknown op {kind}"}
    except ClientError as error:
        status = status_of(error)
        result = {"status": status, "code": error.response.get("Error", {}).get("Code")}
        # A server error's message is what tells its cause (SeaweedFS puts the filer's or master's answer there).
        if status >= 500:
            result["message"] = error.response.get("Error", {}).get("Message")
        return result


def main():
    endpoint, access_key, secret_key, region = sys.argv[1:5]
    s3 = client(endpoint, access_key, secret_key, region)
    for op in json.load(sys.stdin):
        print(json.dumps({**op, **run(s3, op)}), flush=True)


if __name__ == "__main__":
    main()
