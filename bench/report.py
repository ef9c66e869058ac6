#!/usr/bin/env python3
"""Write bench/results.md from the files bench/run.sh (and bench/memory.sh) left in the work
directory: meta/machine.tsv, meta/datasets.tsv, meta/capabilities.tsv, meta/contenders.tsv,
raw.tsv, and optionally memory.tsv with meta/memory-*.tsv (bench/memory.sh) and cdc.tsv,
cdc-latency.tsv with meta/cdc-*.tsv (bench/cdc.sh).

    report.py --work DIR --runs N --output FILE
"""
import argparse
import os
import statistics
import sys

RAW_COLS = ["dataset", "contender", "run", "rc", "wall", "user", "sys", "rss_kb", "server_cpu",
            "s3_cpu", "out_bytes", "load1", "note"]

LABELS = {
    "pg_dump-Fc-aws-cp": "`pg_dump -Fc` \\| `aws s3 cp -`",
    "pg_dump-Fc-Z1-stream-5MiB": "`pg_dump -Fc -Z1` streamed to S3, 5 MiB parts, one in flight "
                                 "(**the streaming peer**, pgdump-aws-lambda)",
    "psql-copy-csv-zstd-aws-cp": "per table `psql COPY csv` \\| `zstd -1 -T0` \\| `aws s3 cp -`",
    "psql-copy-csv-gzip-aws-cp": "per table `psql COPY csv` \\| `gzip -1` \\| `aws s3 cp -`",
    "psql-copy-csv-pigz-aws-cp": "per table `psql COPY csv` \\| `pigz -1` \\| `aws s3 cp -`",
    "pg_dump-Fd-j2-aws-sync": "`pg_dump -Fd -j 2`, then `aws s3 sync`",
    "copy-devnull-text": "server `COPY … TO '/dev/null'`, text (**physical limit**)",
    "copy-devnull-binary": "server `COPY … TO '/dev/null'`, binary",
    "copy-devnull-text-2streams": "server `COPY … TO '/dev/null'`, text, 2 sessions (ctid halves)",
}
LIMIT = "copy-devnull-text"
EXTERNAL = ["pg_dump-Fc-Z1-stream-5MiB", "pg_dump-Fc-aws-cp", "psql-copy-csv-zstd-aws-cp",
            "psql-copy-csv-gzip-aws-cp", "psql-copy-csv-pigz-aws-cp", "pg_dump-Fd-j2-aws-sync"]
# Contenders that write gzip: compared with pgexport's gzip configuration where losses are told.
GZIP_EXTERNAL = ["psql-copy-csv-gzip-aws-cp", "psql-copy-csv-pigz-aws-cp"]
PHYSICAL = ["copy-devnull-text", "copy-devnull-binary", "copy-devnull-text-2streams"]
MIB = 1024 * 1024


def label(name):
    if name in LABELS:
        return LABELS[name]
    if name.startswith("pgexport-"):
        parts = name.split("-")  # pgexport fmt codec jN dest
        dest = {"dir": "directory", "s3": "S3"}.get(parts[-1], parts[-1])
        extra = " " + " ".join(parts[5:-1]) if len(parts) > 5 else ""
        return f"pgexport {parts[1]}+{parts[2]} --jobs {parts[3][1:]}{extra} → {dest}"
    return name


def draw_chart(args, ds, made_with, copy_bytes, order, st):
    """Draws the throughput and the client CPU per GB of every contender on data set `ds` as an
    SVG next to the report (charts/<ds>.svg); returns its path relative to the report, or None
    when matplotlib is missing (the tables carry the same numbers)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib is missing (scripts/install-deps.sh --bench): no charts",
              file=sys.stderr)
        return None
    names = [n for n in order if n in st and st[n].ok]
    if not names:
        return None
    # Deterministic SVG (no date, fixed ids), so a regenerated chart only differs where the
    # numbers do.
    plt.rcParams["svg.hashsalt"] = "pgexport-bench"
    plt.rcParams["font.size"] = 8

    def colour(name):
        if name in PHYSICAL:
            return "#9e9e9e"  # the physical limit: a ceiling, not a rival
        return "#1f77b4" if name.startswith("pgexport-") else "#ff7f0e"

    mbs = [copy_bytes / 1e6 / st[n].wall for n in names]
    cpu = [st[n].client / (copy_bytes / 1e9) for n in names]
    height = 0.9 + 0.22 * len(names)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, height), sharey=True)
    y = list(range(len(names)))
    left.barh(y, mbs, color=[colour(n) for n in names])
    left.set_xlabel("MB/s of COPY text (median run; higher is better)")
    right.barh(y, cpu, color=[colour(n) for n in names])
    right.set_xlabel("client CPU seconds per GB of COPY text (lower is better)")
    left.set_yticks(y)
    left.set_yticklabels(names)
    left.invert_yaxis()
    for axis, values, digits in ((left, mbs, 0), (right, cpu, 1)):
        axis.grid(axis="x", alpha=0.3)
        for i, v in enumerate(values):
            axis.text(v, i, f" {v:.{digits}f}", va="center", fontsize=7)
        axis.set_xlim(0, max(values) * 1.15 or 1)
    fig.suptitle(f"{ds} ({made_with}, {copy_bytes / 1e6:,.0f} MB COPY text): pgexport (blue), "
                 "the tools users would use instead (orange), server-side COPY limits (grey)",
                 fontsize=8)
    fig.tight_layout()
    charts = os.path.join(os.path.dirname(os.path.abspath(args.output)), "charts")
    os.makedirs(charts, exist_ok=True)
    fig.savefig(os.path.join(charts, f"{ds}.svg"), format="svg", metadata={"Date": None})
    plt.close(fig)
    return f"charts/{ds}.svg"


def read_tsv(path, ncols=None):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            cells = line.split("\t")
            if ncols:
                cells += [""] * (ncols - len(cells))
            rows.append(cells)
    return rows


def load_raw(path):
    out = []
    for cells in read_tsv(path, len(RAW_COLS)):
        r = dict(zip(RAW_COLS, cells))
        for k in ("wall", "user", "sys", "server_cpu", "s3_cpu", "load1"):
            r[k] = float(r[k] or 0)
        for k in ("rc", "rss_kb", "out_bytes", "run"):
            r[k] = int(float(r[k] or 0))
        r["client_cpu"] = r["user"] + r["sys"]
        out.append(r)
    return out


class Stat:
    """Min/median over the successful runs of one (data set, contender)."""

    def __init__(self, runs):
        ok = [r for r in runs if r["rc"] == 0]
        self.n, self.failed = len(ok), len(runs) - len(ok)
        self.fail_note = next((r["note"] for r in runs if r["rc"] != 0), "")
        self.ok = bool(ok)
        if not ok:
            return
        med = statistics.median
        self.wall_min = min(r["wall"] for r in ok)
        self.wall = med(r["wall"] for r in ok)
        self.rss = max(r["rss_kb"] for r in ok) / 1024
        self.client = med(r["client_cpu"] for r in ok)
        self.user = med(r["user"] for r in ok)
        self.sys = med(r["sys"] for r in ok)
        self.server = med(r["server_cpu"] for r in ok)
        self.s3 = med(r["s3_cpu"] for r in ok)
        self.out = med(r["out_bytes"] for r in ok)
        phases = [float(r["note"].split("phase1=")[1].split()[0]) for r in ok if "phase1=" in r["note"]]
        self.phase1 = med(phases) if phases else None
        # pgexport's per-job busy seconds, from the median-wall run: how evenly jobs worked.
        busy_runs = [r for r in ok if "busy=" in r["note"]]
        self.busy = None
        if busy_runs:
            run = sorted(busy_runs, key=lambda r: r["wall"])[len(busy_runs) // 2]
            self.busy = [float(x) for x in run["note"].split("busy=")[1].split()[0].split(",")]
            self.busy_wall = run["wall"]


def fmt(x, digits=1):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def md_table(header, rows, align=None):
    align = align or ["---"] + ["--:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def reference_name(stats_ds):
    for name in ("pgexport-csv-zstd-j2-s3", "pgexport-csv-zstd-j2-dir"):
        if name in stats_ds and stats_ds[name].ok:
            return name
    return None


# Why a contender beats pgexport on a figure, as far as the design explains it. Each entry is a
# function of (contender stat, pgexport stat) returning the sentence; numbers come from the run.
def why(contender, figure, c, p, pname="pgexport-csv-zstd-j2-s3", generic=False):
    """The reason, as far as the design explains it; generic=True leaves out the numbers."""
    fmt_ = pname.split("-")[1] if pname.startswith("pgexport-") else "csv"
    codec = pname.split("-")[2] if pname.startswith("pgexport-") else "zstd"
    jobs1 = "-j1-" in pname
    if contender in PHYSICAL:
        if figure in ("wall", "client", "total"):
            return ("it is the server reading and formatting the rows with no client, no network "
                    "transfer, no compression and no upload; it is the ceiling pgexport's reading is "
                    "measured against, not an alternative")
        if figure == "server":
            return ("`COPY table TO '/dev/null'` has the server write to a file; pgexport's "
                    "`COPY (SELECT <columns> FROM ONLY t [WHERE ctid …]) TO STDOUT` adds a projection "
                    "(and a TID range scan for split tables) and, above all, sending every byte "
                    "through the socket to the client, which the server pays for")
        if figure == "rss":
            return "psql only sends one statement per table; the rows never leave the server"
    if figure == "out":
        if fmt_ == "jsonl":
            nums = "" if generic else f" ({p.out / MIB:,.0f} MiB vs {c.out / MIB:,.0f} MiB)"
            return (f"JSON Lines repeats every column name in every row and `{codec}` at level 1 "
                    f"does not squeeze that out{nums}; "
                    "`--compression zstd` or a higher `--compression-level` closes most of the gap, "
                    "CSV or Parquet close all of it")
        if codec == "gzip":
            nums = "" if generic else f" ({c.out / MIB:,.0f} vs {p.out / MIB:,.0f} MiB)"
            return (f"pgexport's gzip level 1 is ISA-L's igzip, which trades density for speed: its "
                    f"output is larger than zlib's level 1{nums}; `--compression-level 3` (igzip) "
                    "or 4–9 (zlib) close the gap at some CPU cost")
        if contender.startswith("pg_dump") and "-Z1" in contender:
            nums = "" if generic else f" ({c.out / MIB:,.0f} vs {p.out / MIB:,.0f} MiB)"
            return (f"pg_dump's custom format compresses each table's data as one zlib stream and "
                    f"stores integers in binary{nums}; "
                    "`--compression-level` (zstd 3–6) closes the gap at some CPU cost")
        if contender.startswith("pg_dump"):
            nums = "" if generic else f" ({c.out / MIB:,.0f} vs {p.out / MIB:,.0f} MiB)"
            return (f"pg_dump compresses with zlib at its default level 6, denser than pgexport's "
                    f"default level 1{nums}; "
                    "`--compression-level` (zstd 3–6) closes the gap at some CPU cost")
        if fmt_ == "parquet":
            return ("measured only: Parquet+zstd comes out about 5% larger than CSV+zstd on the "
                    "pgbench data (whose bulk is one column of random hex text) and smaller on the "
                    "sample database; not investigated further. A higher `--compression-level` "
                    "should lower it")
        return ("same codec and level (zstd -1); the difference is per-file framing plus the "
                "manifest and latest.json objects pgexport adds")
    if figure == "rss":
        base = ("`/usr/bin/time` reports the largest single process of a pipeline (here the Python "
                "`aws` CLI, about 100 MiB), not the sum of its processes, so the pipeline's figure "
                "flatters it")
        if fmt_ == "parquet":
            return (base + f"; pgexport's Parquet writer holds a whole row group per worker in memory "
                    f"(leased from half of `--memory-limit`: each job's equal part of it, at most "
                    f"64 MiB) and, to S3, up to 4 × 8 MiB parts in flight per worker. "
                    f"A smaller `--memory-limit` lowers it (see the memory-bound run)")
        return (base + "; pgexport's peak is mostly S3 part buffers (8 MiB "
                "parts, up to 4 in flight per worker, bounded by `--memory-limit`); a smaller "
                "`--part-size` or `--memory-limit` lowers it")
    if figure == "server":
        what = {"csv": "in CSV", "jsonl": "in text", "parquet": "in binary"}[fmt_]
        return ("the alternatives read with `COPY table TO STDOUT` (a plain table scan); pgexport "
                "with `COPY (SELECT <columns> FROM ONLY t [WHERE ctid …]) TO STDOUT`"
                + ("" if generic else f" {what}") +
                ", which costs the server a little more per row (the projection, and a TID range "
                "scan for split tables); the differences are small, of the size of the spread "
                "between pgexport's own configurations, which all ask the server for the same rows")
    if figure in ("wall", "client", "total"):
        reasons = []
        if fmt_ == "jsonl":
            reasons.append("for JSON Lines pgexport parses every COPY text row and writes JSON with "
                           "the column names, which costs client CPU")
        if codec == "gzip":
            reasons.append("gzip costs more CPU per byte than zstd -1 even through ISA-L's igzip "
                           "(compare the CPU per GB columns)")
        if contender == "psql-copy-csv-pigz-aws-cp" and figure == "wall":
            reasons.append("`pigz` compresses on every core at once, and the pipeline runs psql, "
                           "pigz and `aws` as separate processes")
        if jobs1 and figure == "wall":
            reasons.append("with `--jobs 1` one worker thread reads, encodes and compresses in turn (only S3 "
                           "uploads run in the background), "
                           "while the shell pipeline runs psql, `zstd -T0` (multi-threaded) and "
                           "`aws` as separate processes on both cores at once")
        if not reasons:
            return "measured only; no design reason known (see the raw runs)"
        fix = ("the fix is the user's choice of options: `--compression zstd` for JSON Lines "
               "(or CSV/Parquet), and `--jobs` ≥ 2")
        return "; ".join(reasons) + "; " + fix
    return "measured only"


FIGURES = [
    ("wall", "median wall time", lambda s: s.wall, "s"),
    ("rss", "peak RSS", lambda s: s.rss, "MiB"),
    ("client", "client CPU", lambda s: s.client, "s"),
    ("server", "server CPU", lambda s: s.server, "s"),
    ("total", "client + server CPU", lambda s: s.client + s.server, "s"),
    ("out", "output size", lambda s: s.out / MIB, "MiB"),
]


CDC_LABELS = {
    "pgexport-cdc-run-dir": "pgexport `cdc run --until-caught-up` → directory",
    "pgexport-cdc-run-s3": "pgexport `cdc run --until-caught-up` → S3",
    "pg_recvlogical-pgoutput-devnull": "`pg_recvlogical` (pgoutput) → /dev/null (**the limit**)",
    "sql-peek-binary-changes": "server `pg_logical_slot_peek_binary_changes()`, counted in SQL",
}
CDC_LIMIT = "pg_recvlogical-pgoutput-devnull"


def percentile(sorted_values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def cdc_section(w, args, meta, cdc_raw):
    if not cdc_raw:
        return
    cm = dict(read_tsv(os.path.join(meta, "cdc-machine.tsv"), 2))
    ds = read_tsv(os.path.join(meta, "cdc-datasets.tsv"), 10)
    contenders = read_tsv(os.path.join(meta, "cdc-contenders.tsv"), 6)
    workload = ""
    wpath = os.path.join(meta, "cdc-workload.txt")
    if os.path.exists(wpath):
        with open(wpath, encoding="utf-8") as f:
            workload = f.read().strip()
    d = ds[0] if ds else None
    changes = int(d[4]) if d else 0
    base_bytes = int(d[8]) if d else 0

    def short(text):
        return text.replace(args.work, "$WORK").replace(args.repo + "/", "")

    w("## Change data capture: `cdc run` against `pg_recvlogical`\n")
    w(f"Run {cm.get('started', '?')} – {cm.get('finished', '?')} on the same machine and servers, "
      f"pgexport {cm.get('pgexport', '?')} (`bench/cdc.sh`).\n")
    if d:
        w(f"Data: `{d[0]}` ({d[1]}), then `pgexport cdc init` (slot and publication `bench_cdc`, "
          f"CSV + zstd, `REPLICA IDENTITY FULL` for the keyless `pgbench_history`) and a copy of the "
          f"slot saved at that point; then the workload `{short(workload)}` (pgbench's TPC-B-like "
          f"script: 3 UPDATEs and 1 INSERT per transaction; {float(d[9]):.0f} s). The slot then holds "
          f"{int(d[3]):,} transactions and {changes:,} changes (counted by the server with "
          f"`pg_logical_slot_peek_binary_changes`), {int(d[5]) / 1e6:,.0f} MB of WAL from {d[6]} to "
          f"{d[7]}. Every measurement starts from a fresh copy of the saved slot "
          "(`pg_copy_logical_replication_slot`), so all decode the same WAL from the same point, "
          "and every `cdc run` is checked to ship exactly those changes.\n")
    by = {}
    for r in cdc_raw:
        by.setdefault(r["contender"], []).append(r)
    st = {name: Stat(rs) for name, rs in by.items()}
    lim = st.get(CDC_LIMIT)
    lim_wall = lim.wall if lim and lim.ok else None
    rows = []
    for c in contenders:
        name = c[1]
        s = st.get(name)
        if s is None:
            continue
        label = f"{CDC_LABELS.get(name, name)} <br>`{name}`"
        if not s.ok:
            rows.append([label, f"failed: {s.fail_note}"] + [""] * 8)
            continue
        files = s.out - base_bytes if s.out else 0
        rows.append([label + (f" ({s.failed} failed)" if s.failed else ""), fmt(s.wall_min, 2),
                     fmt(s.wall, 2), fmt(changes / 1e3 / s.wall, 0) if changes else "–",
                     f"{100 * lim_wall / s.wall:.0f}%" if lim_wall else "–", fmt(s.rss, 0),
                     fmt(s.client, 2), fmt(s.server, 2),
                     fmt(s.s3, 2) if name.endswith("-s3") else "–",
                     fmt(files / MIB) if files > 0 else "–"])
    w(md_table(["contender", "wall s min", "wall s median", "k changes/s", "% of limit",
                "peak RSS MiB", "client CPU s", "server CPU s", "S3 server CPU s",
                "change files MiB"], rows, ["---"] + ["--:"] * 9) + "\n")

    ours = st.get("pgexport-cdc-run-dir")
    ours_s3 = st.get("pgexport-cdc-run-s3")
    peek = st.get("sql-peek-binary-changes")
    if ours and ours.ok and lim_wall:
        ratio = lim_wall / ours.wall
        if ratio > 1.05:
            verdict = (f"`cdc run` is faster by {100 * (ratio - 1):.0f}% although it does more: its "
                       f"client work overlaps the wait for the WAL sender, and it spends less system "
                       f"time ({ours.sys:.2f} s against {lim.sys:.2f} s)")
        elif ratio < 0.95:
            verdict = ("The gap is `cdc run`'s client work below, which competes with the WAL sender "
                       "for the same two cores, and the change files and log entry committed at the end")
        else:
            verdict = ("On par: `cdc run` does its client work while the WAL sender prepares the next "
                       "messages, so that work does not show in the wall time")
        w(f"**Against the limit.** `cdc run` to a directory took {ours.wall:.2f} s (median), "
          f"`pg_recvlogical` {lim_wall:.2f} s: {100 * ratio:.0f}% of the limit's speed"
          + (f"; to S3 {ours_s3.wall:.2f} s" if ours_s3 and ours_s3.ok else "") + f". {verdict}. "
          f"Both are bound by the server: the WAL sender decodes the WAL and sends every change as "
          f"its own message (server CPU {ours.server:.2f} s with `cdc run`, {lim.server:.2f} s with "
          f"`pg_recvlogical`)"
          + (f"; decoding alone, in SQL without the replication protocol, takes {peek.wall:.2f} s, so "
             "most of the time goes to the WAL sender sending and the client receiving, one message "
             "per change" if peek and peek.ok else "") + ". "
          f"`pg_recvlogical` writes what it receives and parses nothing: its {lim.client:.2f} s of "
          f"client CPU are {lim.user:.2f} s user and {lim.sys:.2f} s system time. `cdc run` also "
          f"decodes every pgoutput message, renders it as a CSV change row with its metadata columns, "
          f"compresses it with zstd and writes the change files, then the log entry, and only then "
          f"moves the slot: {ours.user:.2f} s user and {ours.sys:.2f} s system time."
          + (f" To S3 the same run takes {ours_s3.wall - ours.wall:.2f} s longer, with the local "
             f"gateway using {ours_s3.s3:.2f} s of CPU on the same cores." if ours_s3 and ours_s3.ok else "")
          + "\n")

    lat = read_tsv(os.path.join(args.work, "cdc-latency.tsv"), 4)
    if lat:
        w("### Commit-to-visible latency, `cdc run --follow --batch-interval 1s`\n")
        w(f"{cm.get('latency', '')}. Method (`bench/cdc_latency.py`): one psql session with "
          "`synchronous_commit = on` commits single-row transactions at a steady rate (`UPDATE "
          "pgbench_accounts SET abalance = abalance + 1 WHERE aid = n RETURNING aid`, a new aid "
          "each); the commit time is when psql prints the aid, after the server has committed. A "
          "watcher polls the destination's commit log (`changes/_log/`: a directory every 5 ms, S3 "
          "with ListObjectsV2 every 25 ms), notes when it first sees each new entry and reads the aids "
          "from the change files it lists. Latency = first sighting of the entry that lists the "
          "transaction − its commit (one monotonic clock; the polling adds up to 5 ms or 25 ms). "
          "Before each run the slot is reset to the saved copy and the backlog drained with "
          "`--until-caught-up`, and the measured commits start once one warm-up commit has come "
          "through (a stream that has just started first re-decodes the WAL from the slot's restart "
          "point, which can lie well behind its confirmed position: a start-up cost, not the steady "
          "state).\n")
        rows = []
        for kind, title in (("dir", "directory"), ("s3", "S3")):
            vals = sorted(float(r[3]) for r in lat if r[0] == kind)
            if not vals:
                continue
            span = max(float(r[2]) for r in lat if r[0] == kind) or 1
            rows.append([title, f"{len(vals):,}", f"{(len(vals) - 1) / span:.1f}",
                         fmt(percentile(vals, 50), 0), fmt(percentile(vals, 95), 0),
                         fmt(percentile(vals, 99), 0), fmt(vals[-1], 0), fmt(vals[0], 0)])
        w(md_table(["destination", "commits", "commits/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
                    "min ms"], rows) + "\n")
        w("A batch closes at the first transaction boundary once it has been open for "
          "`--batch-interval` (timed from its first change), so with commits arriving steadily a "
          "transaction waits between 0 and one interval for its batch to close (about half an "
          "interval at the median), plus the time to commit the batch's files and create its log "
          "entry. A shorter `--batch-interval` lowers the latency at the cost of more, smaller files "
          "and more log entries.\n")

    w("Commands (each under `/usr/bin/time -v`, as above; the setup runs untimed just before):\n")
    w("```sh")
    for c in contenders:
        w(f"# {c[1]}")
        if c[4] not in ("-", ""):
            w(f"#   setup: {short(c[4])}")
        w(short(c[5]))
    w("```\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    args.work, args.repo = os.path.abspath(args.work), os.path.abspath(args.repo)
    meta = os.path.join(args.work, "meta")

    machine = read_tsv(os.path.join(meta, "machine.tsv"), 2)
    mach = dict((k, v) for k, v in machine)
    datasets = read_tsv(os.path.join(meta, "datasets.tsv"), 6)
    caps = read_tsv(os.path.join(meta, "capabilities.tsv"), 3)
    contenders = read_tsv(os.path.join(meta, "contenders.tsv"), 6)
    raw = load_raw(os.path.join(args.work, "raw.tsv"))
    mem_raw = load_raw(os.path.join(args.work, "memory.tsv"))
    mem_meta = read_tsv(os.path.join(meta, "memory-datasets.tsv"), 6)
    mem_contenders = read_tsv(os.path.join(meta, "memory-contenders.tsv"), 6)
    mem_cdc = read_tsv(os.path.join(meta, "memory-cdc.tsv"), 6)
    cdc_raw = load_raw(os.path.join(args.work, "cdc.tsv"))

    by = {}
    for r in raw:
        by.setdefault(r["dataset"], {}).setdefault(r["contender"], []).append(r)
    stats = {ds: {c: Stat(rs) for c, rs in cs.items()} for ds, cs in by.items()}
    loads = [r["load1"] for r in raw + mem_raw + cdc_raw]

    o = []
    w = o.append
    w("# pgexport benchmarks: against the tools users would pick instead\n")
    w("How to regenerate: `bench/run.sh` as root on Debian 12 after `scripts/install-deps.sh` "
      "(about 15 minutes, plus 1–2 minutes to make the data the first time; `--memory` adds "
      "the memory-bound runs, about 15 minutes; `--cdc` the change-capture runs, about 5 minutes; "
      "`--scales \"50 200\" --memory --cdc` is the full run, "
      "about an hour and a half). All contenders are measured side by side "
      "in one run: the same data, the same local PostgreSQL, the same local S3 server (Ceph RADOS "
      f"Gateway on 127.0.0.1), interleaved (run 1 of every contender, then run 2, …), {args.runs} "
      "runs each. [docs/benchmarks.md](../docs/benchmarks.md) describes the method and its "
      "caveats.\n")
    if mach.get("provisional"):
        w(f"> **Provisional:** {mach['provisional']}\n")

    w("## Machine\n")
    rows = [(k, v if k != "command" else f"`{v}`") for k, v in machine if k != "provisional"]
    if loads:
        rows.append(("1-min load average at the start of each measurement",
                     f"min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f} "
                     "(anything above ~0 is other work on the machine competing for the 2 cores)"))
    w(md_table(["", ""], rows, ["---", "---"]) + "\n")

    w("## Data\n")
    w("COPY text = the bytes of `COPY <table> TO STDOUT` (text format) summed over every table, the "
      "yardstick for MB/s (1 MB = 10^6 bytes). Tables are warm in the page cache (the size "
      "measurement reads them all first; 24 GiB RAM holds every data set).\n")
    w(md_table(["database", "made with", "tables", "rows", "COPY text MB", "on disk MB"],
               [(f"`{d[0]}`", d[1], d[2], f"{int(d[3]):,}", f"{int(d[4]) / 1e6:,.0f}",
                 f"{int(d[5]) / 1e6:,.0f}") for d in datasets]) + "\n")
    w("pgbench data: `pgbench -i -I dt`, then the rows pgbench's generator would insert except "
      "that `pgbench_accounts.filler` is 84 random hex characters (pgbench's own filler is blanks, "
      "which compress to nothing), then `pgbench -i -I vp` (vacuum, primary keys). The sample "
      "database is `scripts/sampledb/load.sh --scale N` (a realistic schema: 39 tables, "
      "partitions, jsonb, arrays, text), N chosen so its COPY text is about the pgbench size.\n")

    missing = [c for c in caps if c[1] != "yes"]
    if caps:
        w("What this pgexport build can do (probed with a one-table export before measuring):\n")
        for c in caps:
            w(f"- {c[0]}: " + ("available" if c[1] == "yes" else f"**not available in this build** "
                               f"(`{c[2]}`); its rows are missing below"))
        w("")

    for ds in [d[0] for d in datasets]:
        if ds not in stats:
            continue
        st = stats[ds]
        dmeta = next(d for d in datasets if d[0] == ds)
        bytes_, rows_ = int(dmeta[4]), int(dmeta[3])
        lim = st.get(LIMIT)
        lim_wall = lim.wall if lim and lim.ok else None
        w(f"## Results: `{ds}` ({dmeta[1]}, {bytes_ / 1e6:,.0f} MB COPY text, {rows_:,} rows)\n")
        hdr = ["contender", "wall s min", "wall s median", "MB/s", "k rows/s", "% of limit",
               "peak RSS MiB", "client CPU s", "client CPU s per GB", "server CPU s",
               "S3 server CPU s", "output MiB"]
        trows = []
        order = [c[1] for c in contenders if c[0] == ds]
        for name in order:
            s = st.get(name)
            if s is None:
                continue
            if not s.ok:
                trows.append([f"{label(name)} <br>`{name}`", f"failed: {s.fail_note}"] + [""] * 10)
                continue
            trows.append([
                f"{label(name)} <br>`{name}`" + (f" ({s.failed} failed)" if s.failed else ""),
                fmt(s.wall_min, 2), fmt(s.wall, 2), fmt(bytes_ / 1e6 / s.wall), fmt(rows_ / 1e3 / s.wall, 0),
                f"{100 * lim_wall / s.wall:.0f}%" if lim_wall else "–",
                fmt(s.rss, 0), fmt(s.client), fmt(s.client / (bytes_ / 1e9), 2), fmt(s.server),
                fmt(s.s3) if name not in PHYSICAL else "–",
                fmt(s.out / MIB) if s.out else "–"])
        w(md_table(hdr, trows, ["---"] + ["--:"] * 11) + "\n")
        chart = draw_chart(args, ds, dmeta[1], bytes_, order, st)
        if chart:
            w(f"![Throughput and client CPU per GB of every contender on `{ds}`]({chart})\n")
        busy_rows = [[label(n), ", ".join(f"{b:.1f}" for b in st[n].busy), fmt(st[n].busy_wall, 2),
                      f"{100 * min(st[n].busy) / max(st[n].busy):.0f}%"]
                     for n in order if n in st and st[n].ok and st[n].busy and len(st[n].busy) > 1]
        if busy_rows:
            w("How evenly the jobs worked (pgexport's summary: seconds each job spent running "
              "tasks, in the run of median wall time; the last column is the least busy job's "
              "time as a share of the busiest one's, 100% meaning no job waited for another):\n")
            w(md_table(["pgexport", "busy s per job", "wall s", "least ÷ most busy"], busy_rows)
              + "\n")
        fd = st.get("pg_dump-Fd-j2-aws-sync")
        if fd and fd.ok and fd.phase1:
            w(f"`pg_dump -Fd -j 2` took {fd.phase1:.1f} s of its {fd.wall:.1f} s (median); `aws s3 sync` the rest.\n")

        ext = [c for c in EXTERNAL if c in st and st[c].ok]
        pg = [c for c in order if c.startswith("pgexport-") and st[c].ok]
        if ext and pg:
            w(f"**pgexport vs the others on `{ds}`** (median wall time of the other ÷ median wall "
              "time of pgexport: above 1 means pgexport is faster):\n")
            w(md_table(["pgexport"] + [f"`{c}`" for c in ext],
                       [[label(p)] + [ratio(st[c].wall, st[p].wall) for c in ext] for p in pg]) + "\n")

    # ---- where we lose ----
    w("## Where we lose\n")
    w("Every contender that beats pgexport on a figure, compared with pgexport's default "
      "configuration to the same kind of destination (`pgexport-csv-zstd-j2-s3`: CSV, zstd level 1, "
      "2 workers, to S3; `…-dir` if S3 is not available). A figure counts as a loss when the other "
      "is better by more than 5% (median of the runs; peak RSS: maximum). Each loss says why, as "
      "far as the design explains it; where it does not, it says what was measured.\n")
    any_loss = False
    for ds in [d[0] for d in datasets]:
        st = stats.get(ds, {})
        ref = reference_name(st)
        if not ref:
            continue
        p = st[ref]
        phys = [n for n in PHYSICAL if n in st and st[n].ok]
        if phys:
            any_loss = True
            walls = ", ".join(f"`{n}` {st[n].wall:.2f} s" for n in phys)
            w(f"- **`{ds}`: the physical limit** ({walls}; `{ref}` {p.wall:.2f} s, "
              f"{100 * st[phys[0]].wall / p.wall:.0f}% of the speed of `{phys[0]}`) beats pgexport on "
              f"wall time, client CPU and RSS by construction: {why(phys[0], 'wall', st[phys[0]], p)}.")
            d = st.get(ref.replace("-s3", "-dir"))
            if ref.endswith("-s3") and d and d.ok:
                w(f"  - Where the gap goes: to a directory the same export takes {d.wall:.2f} s "
                  f"({100 * st[phys[0]].wall / d.wall:.0f}% of the limit's speed; the rest is "
                  f"the client's reading, compressing and writing, {d.client:.1f} s of CPU on the "
                  f"same two cores the server uses); to S3 it takes {p.wall - d.wall:.2f} s more, "
                  f"while the local gateway burns {p.s3:.1f} s of CPU on those two cores too, "
                  "which a real S3 endpoint would not take from the machine.")
            srv = [n for n in phys if st[n].server < p.server * 0.95 and p.server - st[n].server > 0.05]
            if srv:
                w(f"  - It also costs the server less CPU ("
                  + ", ".join(f"`{n}` {st[n].server:.2f} s" for n in srv)
                  + f" vs {p.server:.2f} s): {why(srv[0], 'server', st[srv[0]], p)}.")
        gz_ref = ref.replace("-csv-zstd-", "-csv-gzip-")
        for name in EXTERNAL:
            c = st.get(name)
            if not c or not c.ok:
                continue
            # gzip pipelines are held against pgexport writing gzip too: the codec is the
            # user's requirement there (a loader that reads gzip only), not a choice.
            ours = gz_ref if name in GZIP_EXTERNAL and gz_ref in st and st[gz_ref].ok else ref
            p_ours = st[ours]
            losses = []
            for key, title, get, unit in FIGURES:
                if name in PHYSICAL and key == "out":
                    continue
                cv, pv = get(c), get(p_ours)
                if cv < pv * 0.95 and pv - cv > (0.05 if unit == "s" else 1):
                    losses.append((key, f"{title} {fmt(cv, 2)} vs {fmt(pv, 2)} {unit}"))
            if not losses:
                continue
            any_loss = True
            w(f"- **`{ds}`: `{name}`** beats `{ours}` on " + "; ".join(t for _, t in losses) + ".")
            reasons = {}
            for key, _ in losses:
                reasons.setdefault(why(name, key, c, p_ours, ours), []).append(dict((f[0], f[1]) for f in FIGURES)[key])
            for reason, titles in reasons.items():
                w(f"  - {', '.join(titles)}: {reason}.")
    if not any_loss:
        w("- No contender beats pgexport's default configuration on any figure in this run.")
    w("")
    w("### Against pgexport's other configurations\n")
    w("The same comparison against every other pgexport configuration, one line per data set and "
      "alternative (pgexport configurations named without the `pgexport-` prefix, their figure in "
      "parentheses); the reasons are numbered below.\n")
    reason_ids = {}
    other_loss = False
    for ds in [d[0] for d in datasets]:
        st = stats.get(ds, {})
        ref = reference_name(st)
        pgs = [n for n in st if n.startswith("pgexport-") and st[n].ok and n != ref]
        for name in EXTERNAL:
            c = st.get(name)
            if not c or not c.ok:
                continue
            parts = []
            for key, title, get, unit in FIGURES:
                beaten = [(pn, get(st[pn])) for pn in pgs
                          if get(c) < get(st[pn]) * 0.95 and get(st[pn]) - get(c) > (0.05 if unit == "s" else 1)]
                if not beaten:
                    continue
                by_reason = {}
                for pn, pv in beaten:
                    r = why(name, key, c, st[pn], pn, generic=True)
                    by_reason.setdefault(reason_ids.setdefault(r, len(reason_ids) + 1), []).append((pn, pv))
                for rid, items in by_reason.items():
                    lst = ", ".join(f"{pn[len('pgexport-'):]} ({fmt(pv, 1)})" for pn, pv in items)
                    parts.append(f"{title} {fmt(get(c), 1)} {unit} < {lst} [{rid}]")
            if parts:
                other_loss = True
                w(f"- `{ds}`, `{name}`: " + "; ".join(parts) + ".")
    if not other_loss:
        w("- None.")
    w("")
    for r, rid in reason_ids.items():
        w(f"{rid}. {r[0].upper() + r[1:] if not r.startswith('`') else r}.")
    w("")
    w("Notes that apply to every loss above: RSS of a "
      "shell pipeline is the largest single process in it (`/usr/bin/time -v` on the pipeline's "
      "shell), so pipelines look smaller than they are. Client CPU of pipelines includes the "
      "`aws` CLI (Python); S3 server CPU is radosgw plus the in-memory OSD.\n")

    # ---- memory ----
    if mem_raw:
        w("## Memory-bound run\n")
        mm = dict(read_tsv(os.path.join(meta, "memory-machine.tsv"), 2))
        if mm:
            w(f"Run {mm.get('started', '?')} – {mm.get('finished', '?')} on the same machine and "
              f"servers, pgexport {mm.get('pgexport', '?')}. `--memory-limit` bounds the buffers of all "
              "workers together: compression contexts, Parquet pages and row groups lease half of it "
              "for Parquet (one compressor per job otherwise), S3 upload parts the rest "
              "([docs/memory.md](../docs/memory.md)).\n")
        for d in mem_meta:
            w(f"Export data: `{d[0]}` ({d[1]}): {int(d[2])} tables, {int(d[3]):,} rows, "
              f"{int(d[4]) / 1e6:,.0f} MB COPY text (pgbench_accounts is nearly all of it), "
              f"{int(d[5]) / 1e6:,.0f} MB on disk. Target: peak RSS below 200 MiB with "
              "`--memory-limit 128MiB`.\n")
        cdc_bytes = {}  # change rows' COPY text per change-capture data set
        for d in mem_cdc:
            db, tables, inserted, updated, changes, wal, rowbytes = d[:7]
            cdc_bytes[db] = int(rowbytes)
            what = ("one table `t1 (id bigint PRIMARY KEY, n integer, payload text)`" if tables == "1"
                    else f"{tables} such tables `t1` … `t{tables}`")
            upd = f"; `UPDATE` {int(updated):,} rows of `t1`" if int(updated) else ""
            each = "" if tables == "1" else f" ({int(inserted) // int(tables):,} into each table)"
            w(f"Change-capture data `{db}`: {what} and, after `cdc init`, one transaction (`BEGIN; "
              f"INSERT` {int(inserted):,} rows{each} with 192 random hex characters of payload each{upd}; "
              f"`COMMIT`): {int(changes):,} changes, about {int(rowbytes) / 1e6:,.0f} MB of change rows "
              f"as COPY text (the MB/s yardstick), {int(wal) / 1e6:,.0f} MB of WAL.\n")
        if mem_cdc:
            w("Each `cdc run` starts from a fresh copy of the slot saved before the transaction. "
              "Target: peak RSS below `--memory-limit`.\n")
        mby = {}
        for r in mem_raw:
            mby.setdefault(r["contender"], []).append(r)

        def target(name, rss):
            if "default" in name or "materialize" in name:
                return "–"
            if "-cdc-run-" in name:
                limit = int(next(p[3:] for p in name.split("-") if p.startswith("mem")))
                return f"yes (< {limit} MiB limit)" if rss < limit else f"**no** (limit {limit} MiB)"
            return "yes (< 200 MiB)" if rss < 200 else "**no** (200 MiB)"

        rows = []
        stats_mem = {}
        for c in mem_contenders:
            name = c[1]
            if name not in mby:
                continue
            s = Stat(mby[name])
            stats_mem[name] = s
            b = int(mem_meta[0][4]) if mem_meta else 0
            if "-cdc-run-" in name:
                b = cdc_bytes.get(c[0], 0)
            elif "materialize" in name:
                b = 0
            if not s.ok:
                rows.append([f"`{name}`", f"failed: {s.fail_note}", "", "", "", "", ""])
                continue
            rows.append([f"`{name}`", fmt(s.wall, 1), fmt(b / 1e6 / s.wall) if b else "–",
                         fmt(s.rss, 0), target(name, s.rss), fmt(s.client),
                         fmt(s.out / MIB) if s.out else "–"])
        w(md_table(["run", "wall s (median)", "MB/s", "peak RSS MiB (max)", "target",
                    "client CPU s", "output MiB"], rows) + "\n")
        every, few = stats_mem.get("pgexport-materialize-every-key-dir"), stats_mem.get("pgexport-materialize-1k-keys-dir")
        cdc_runs = [stats_mem[n] for n in stats_mem if "-cdc-run-" in n and stats_mem[n].ok]
        if cdc_runs:
            w("The `cdc run` wall times are mostly waiting for the server: PostgreSQL decodes a transaction "
              "only once it has committed, spilling it to disk beyond `logical_decoding_work_mem`, and "
              "then sends it change by change (the runs above used "
              f"{min(r.client for r in cdc_runs):.1f}–{max(r.client for r in cdc_runs):.1f} s of client "
              f"CPU and {min(r.server for r in cdc_runs):.1f}–{max(r.server for r in cdc_runs):.1f} s of "
              "server CPU).\n")
        big = next((d for d in mem_cdc if d[1] == "1"), None)
        if big and every and every.ok:
            keys, cdc_rowbytes = int(big[2]), int(big[6])
            w(f"Materialize folds a table's changes into a map from key to final row before it streams "
              f"the base: over the transaction above ({keys:,} distinct keys, an empty base) it peaks at "
              f"{every.rss:,.0f} MiB, about {every.rss * MIB / keys:,.0f} bytes per changed key for rows "
              f"of about {cdc_rowbytes / 1.1 / keys:,.0f} bytes of text"
              + (f"; over 1,000 changed keys with those {keys:,} rows as its base it peaks at "
                 f"{few.rss:,.0f} MiB. Its memory follows the distinct keys the changes touch, not the "
                 "size of the table." if few and few.ok else ".") + "\n")
        for c in mem_contenders:
            setup = "" if c[4] in ("-", "") else f" (setup, untimed: `{c[4].replace(args.work, '$WORK').replace(args.repo + '/', '')}`)"
            w(f"- `{c[1]}`: `{c[5].replace(args.work, '$WORK').replace(args.repo + '/', '')}`{setup}")
        w("")

    cdc_section(w, args, meta, cdc_raw)

    # ---- commands ----
    w("## Exact commands\n")
    w("Each command runs as `/usr/bin/time -v bash -c 'set -euo pipefail; <command>'`; wall time, "
      "peak RSS (largest process of the tree) and user+sys CPU come from `time`, server CPU is "
      "the change in utime+stime (+ reaped children) of the postmaster and all its processes "
      "from /proc, S3 server CPU the same for radosgw, the OSD and the monitor. Output "
      "directories are removed before and after each run; every S3 run writes under its own "
      "prefix (`${BENCH_RUN}` is the run number), and the gateway is restarted empty, outside "
      "the timing, before it could hold more than 2 GB (deleting objects makes Ceph's "
      "in-memory OSD believe it is full after a while). Shown for the first data set; the "
      "others differ only in the database name. `$TABLES` is a file with one line per table (COPY source, object key); the "
      "`devnull-*.sql` files hold one `COPY … TO '/dev/null'` per table (the 2-stream variant: "
      "one per leaf table and half, `WHERE ctid < '(h,0)'` / `>= '(h,0)'`).\n")
    first = datasets[0][0] if datasets else None
    w(f"`$WORK` is `{os.path.relpath(args.work, args.repo)}`; paths are relative to the repository.\n")

    def shorten(text):
        text = text.replace(os.path.join(args.work, "meta", f"tables-{first}.tsv"), "$TABLES")
        return text.replace(args.work, "$WORK").replace(args.repo + "/", "")
    w("```sh")
    for c in contenders:
        if c[0] != first:
            continue
        w(f"# {c[1]}\n{shorten(c[5])}")
    w("```\n")
    tpath = os.path.join(meta, f"tables-{first}.tsv")
    if os.path.exists(tpath):
        with open(tpath, encoding="utf-8") as f:
            tl = f.read().splitlines()
        more = f"\n… {len(tl) - 6} more" if len(tl) > 6 else ""
        w("`$TABLES` (COPY source, tab, key):\n```\n" + "\n".join(tl[:6]) + more + "\n```\n")
    for kind in ("text", "half1", "half2"):
        path = os.path.join(meta, f"devnull-{first}-{kind}.sql")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
            more = f"\n-- … {len(lines) - 6} more" if len(lines) > 6 else ""
            w(f"`{shorten(path)}`:\n```sql\n" + "\n".join(lines[:6]) + more + "\n```\n")

    # ---- raw ----
    w("<details><summary>Raw runs (every measurement)</summary>\n")
    rows = [[r["dataset"], r["contender"], r["run"], r["rc"], f"{r['wall']:.2f}",
             f"{r['client_cpu']:.2f}", f"{r['server_cpu']:.2f}", f"{r['s3_cpu']:.2f}",
             f"{r['rss_kb'] / 1024:.0f}", f"{r['out_bytes']:,}", f"{r['load1']:.2f}",
             r["note"].replace("|", "\\|")] for r in raw + mem_raw + cdc_raw]
    w(md_table(["data set", "contender", "run", "exit", "wall s", "client CPU s", "server CPU s",
                "S3 CPU s", "RSS MiB", "output bytes", "load1", "note"], rows,
               ["---", "---"] + ["--:"] * 9 + ["---"]) + "\n")
    w("</details>")

    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    sys.exit(main())
