"""The application of the Patroni check: short write transactions, one row each, to whichever member
is the primary. libpq's PG* environment gives every member and target_session_attrs=read-write,
which stands in for the primary Service. One JSON line per attempt on stdout; "ack" is printed only
after COMMIT returned. Ends when stdin closes or after argv[2] seconds.

usage: writer.py TABLE SECONDS
"""
import json
import sys
import threading
import time

import psycopg
from psycopg import sql

table, seconds = sys.argv[1], float(sys.argv[2])
stopped = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
deadline = time.monotonic() + seconds
insert = sql.SQL("INSERT INTO {} (id) VALUES (%s)").format(sql.Identifier(table))


def report(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


conn = None
next_id = 1
while not stopped.is_set() and time.monotonic() < deadline:
    if conn is None:
        try:
            conn = psycopg.connect()
        except psycopg.Error as error:
            report("unavailable", error=first_line(error))
            time.sleep(0.1)
            continue
    row, next_id = next_id, next_id + 1
    try:
        conn.execute(insert, (row,))
    except psycopg.Error as error:
        # Failed before COMMIT was sent: the row cannot have been committed.
        report("failed", id=row, error=first_line(error))
        conn.close()
        conn = None
        continue
    try:
        conn.commit()
    except psycopg.Error as error:
        # The server may have committed without the client hearing back: neither acknowledged nor failed.
        report("in_doubt", id=row, error=first_line(error))
        conn.close()
        conn = None
        continue
    report("ack", id=row, port=conn.info.port)
    time.sleep(0.01)
