#!/usr/bin/env python3
"""Commit-to-visible latency of `pgexport cdc run --follow` (run by bench/cdc.sh).

    cdc_latency.py --db DB --dest DIR|s3://BUCKET/PREFIX --rate R --seconds S --first-aid N
                   --out FILE [--psql PATH]

The driver commits one transaction at a time at a steady rate through one psql session with
synchronous_commit on: an autocommit `UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE
aid = <n> RETURNING aid`, a new aid for each. psql prints the aid only once the server has
answered, i.e. after the commit, so the moment the line is read is the commit as the
application sees it.

The watcher polls the destination's commit log (`changes/_log/`: a directory every 5 ms, S3
with ListObjectsV2 every 25 ms), notes when it first sees each new entry, then reads the change
files the entry lists (CSV, any of the stream codecs) and takes the aids of pgbench_accounts'
rows. A reader sees a transaction once the entry listing it exists (its files are committed
before it), so its latency is the time from its commit to that first sighting, up to the polling
interval late. Both sides read one monotonic clock in this process.

Before the measured commits, one warm-up commit must come through: a stream that has just
started first re-decodes the WAL from the slot's restart point, which is not the steady state.

Writes one line per transaction (aid, seconds since the first commit, latency in ms) and fails
when a transaction never appears within 60 s of the last commit.
"""
import argparse
import csv
import gzip
import io
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import s3util  # noqa: E402  (SigV4 requests against the benchmark's gateway)

LOG_DIR = "changes/_log/"


class Destination:
    """The commit log and change files of a directory or an s3:// prefix."""

    def __init__(self, dest):
        self.s3 = dest.startswith("s3://")
        if self.s3:
            bucket, _, prefix = dest[len("s3://"):].partition("/")
            self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
            self.poll = 0.025
        else:
            self.root = dest
            self.poll = 0.005
        self.last_key = ""

    def new_entries(self):
        """Names of log entries created since the last call, in log order."""
        if self.s3:
            query = {"list-type": "2", "prefix": self.prefix + LOG_DIR}
            if self.last_key:
                query["start-after"] = self.prefix + LOG_DIR + self.last_key
            root = s3util.ET.fromstring(s3util.request("GET", self.bucket, query))
            names = [c.findtext(s3util.NS + "Key")[len(self.prefix + LOG_DIR):]
                     for c in root.iter(s3util.NS + "Contents")]
        else:
            try:
                names = os.listdir(os.path.join(self.root, LOG_DIR))
            except FileNotFoundError:
                names = []
        names = sorted(n for n in names if n.endswith(".json") and n > self.last_key)
        if names:
            self.last_key = names[-1]
        return names

    def read(self, key):
        if self.s3:
            return s3util.request("GET", self.bucket, {}, key=self.prefix + key)
        with open(os.path.join(self.root, key), "rb") as f:
            return f.read()


def decompress(key, data):
    if key.endswith(".zst"):
        return subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE, check=True).stdout
    if key.endswith(".gz"):
        return gzip.decompress(data)
    return data


def aids_of_entry(dest, name):
    entry = json.loads(dest.read(LOG_DIR + name))
    aids = []
    for table in entry["tables"]:
        if (table["schema"], table["name"]) != ("public", "pgbench_accounts"):
            continue
        for f in table["files"]:
            text = decompress(f["key"], dest.read(f["key"])).decode()
            rows = csv.reader(io.StringIO(text))
            header = next(rows)
            col = header.index("aid")
            aids += [int(r[col]) for r in rows]
    return aids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--first-aid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--psql", default="psql")
    args = ap.parse_args()

    dest = Destination(args.dest)
    dest.new_entries()  # entries that exist already (the drained backlog) are not ours
    seen = {}  # aid -> monotonic time its entry was first seen
    stop = threading.Event()
    errors = []

    def watch():
        try:
            while not stop.is_set():
                names = dest.new_entries()
                now = time.monotonic()
                for name in names:
                    for aid in aids_of_entry(dest, name):
                        seen.setdefault(aid, now)
                if not names:
                    time.sleep(dest.poll)
        except Exception as e:  # reported by the main thread
            errors.append(e)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    env = dict(os.environ, PGOPTIONS="-c synchronous_commit=on")
    psql = subprocess.Popen([args.psql, "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", args.db],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    def commit(aid):
        psql.stdin.write(f"UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = {aid} RETURNING aid;\n")
        psql.stdin.flush()
        line = psql.stdout.readline()
        now = time.monotonic()
        if line.strip() != str(aid):
            sys.exit(f"cdc_latency: psql answered {line!r} to the update of aid {aid}")
        return now

    count = int(args.rate * args.seconds)
    # Warm-up: a new stream first decodes the WAL from the slot's restart point (which can lie
    # well behind its confirmed position), so the measured commits start only once one commit
    # has come through: the stream is then live.
    warmup = args.first_aid + count
    commit(warmup)
    deadline = time.monotonic() + 300
    while warmup not in seen:
        if errors or time.monotonic() > deadline:
            sys.exit(f"cdc_latency: the warm-up commit never appeared in {args.dest}: {errors}")
        time.sleep(0.05)
    seen.clear()

    committed = {}  # aid -> monotonic commit time
    start = time.monotonic()
    for i in range(count):
        wake = start + i / args.rate
        delay = wake - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        aid = args.first_aid + i
        committed[aid] = commit(aid)
    psql.stdin.close()
    psql.wait()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not errors and any(a not in seen for a in committed):
        time.sleep(0.05)
    stop.set()
    watcher.join(5)
    if errors:
        raise errors[0]
    missing = [a for a in committed if a not in seen]
    with open(args.out, "w", encoding="utf-8") as f:
        for aid, t in sorted(committed.items()):
            if aid in seen:
                f.write(f"{aid}\t{t - start:.3f}\t{(seen[aid] - t) * 1000:.1f}\n")
    if missing:
        sys.exit(f"cdc_latency: {len(missing)} of {len(committed)} transactions never appeared in "
                 f"{args.dest} (first: aid {missing[0]})")
    print(f"{len(committed)} transactions, all visible")


if __name__ == "__main__":
    main()
