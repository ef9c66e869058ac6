#!/usr/bin/env python3
"""Write bench/results.md from the files bench/run.sh (and bench/memory.sh) left in the work
directory: meta/machine.tsv, meta/datasets.tsv, meta/capabilities.tsv, meta/contenders.tsv,
raw.tsv, and optionally memory.tsv with meta/memory-*.tsv.

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
    "psql-copy-csv-zstd-aws-cp": "per table `psql COPY csv` \\| `zstd -1 -T0` \\| `aws s3 cp -`",
    "pg_dump-Fd-j2-aws-sync": "`pg_dump -Fd -j 2`, then `aws s3 sync`",
    "copy-devnull-text": "server `COPY … TO '/dev/null'`, text (**physical limit**)",
    "copy-devnull-binary": "server `COPY … TO '/dev/null'`, binary",
    "copy-devnull-text-2streams": "server `COPY … TO '/dev/null'`, text, 2 sessions (ctid halves)",
}
LIMIT = "copy-devnull-text"
EXTERNAL = ["pg_dump-Fc-aws-cp", "psql-copy-csv-zstd-aws-cp", "pg_dump-Fd-j2-aws-sync"]
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
        self.server = med(r["server_cpu"] for r in ok)
        self.s3 = med(r["s3_cpu"] for r in ok)
        self.out = med(r["out_bytes"] for r in ok)
        phases = [float(r["note"].split("phase1=")[1]) for r in ok if "phase1=" in r["note"]]
        self.phase1 = med(phases) if phases else None


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
                    f"(up to `--row-group-bytes`, 64 MiB by default, plus dictionaries and "
                    f"compressed pages) and, to S3, up to 4 × 8 MiB parts in flight per worker. "
                    f"A smaller `--row-group-bytes` or "
                    f"`--memory-limit` lowers it (see the memory-bound run)")
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
            reasons.append("gzip, even at level 1, compresses at roughly 50 MB/s per thread here, "
                           "several times slower than zstd -1")
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

    by = {}
    for r in raw:
        by.setdefault(r["dataset"], {}).setdefault(r["contender"], []).append(r)
    stats = {ds: {c: Stat(rs) for c, rs in cs.items()} for ds, cs in by.items()}
    loads = [r["load1"] for r in raw + mem_raw]

    o = []
    w = o.append
    w("# pgexport benchmarks: against the tools users would pick instead\n")
    w("How to regenerate: `bench/run.sh` as root on Debian 12 after `scripts/install-deps.sh` "
      "(about 15 minutes, plus 1–2 minutes to make the data the first time; `--memory` adds "
      "the memory-bound run, about 6 minutes; `--scales \"50 200\" --memory` is the full run, "
      "about an hour). All contenders are measured side by side "
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
               "peak RSS MiB", "client CPU s", "server CPU s", "S3 server CPU s", "output MiB"]
        trows = []
        order = [c[1] for c in contenders if c[0] == ds]
        for name in order:
            s = st.get(name)
            if s is None:
                continue
            if not s.ok:
                trows.append([f"{label(name)} <br>`{name}`", f"failed: {s.fail_note}"] + [""] * 9)
                continue
            trows.append([
                f"{label(name)} <br>`{name}`" + (f" ({s.failed} failed)" if s.failed else ""),
                fmt(s.wall_min, 2), fmt(s.wall, 2), fmt(bytes_ / 1e6 / s.wall), fmt(rows_ / 1e3 / s.wall, 0),
                f"{100 * lim_wall / s.wall:.0f}%" if lim_wall else "–",
                fmt(s.rss, 0), fmt(s.client), fmt(s.server), fmt(s.s3) if name not in PHYSICAL else "–",
                fmt(s.out / MIB) if s.out else "–"])
        w(md_table(hdr, trows, ["---"] + ["--:"] * 10) + "\n")
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
        for name in EXTERNAL:
            c = st.get(name)
            if not c or not c.ok:
                continue
            losses = []
            for key, title, get, unit in FIGURES:
                if name in PHYSICAL and key == "out":
                    continue
                cv, pv = get(c), get(p)
                if cv < pv * 0.95 and pv - cv > (0.05 if unit == "s" else 1):
                    losses.append((key, f"{title} {fmt(cv, 2)} vs {fmt(pv, 2)} {unit}"))
            if not losses:
                continue
            any_loss = True
            w(f"- **`{ds}`: `{name}`** beats `{ref}` on " + "; ".join(t for _, t in losses) + ".")
            reasons = {}
            for key, _ in losses:
                reasons.setdefault(why(name, key, c, p, ref), []).append(dict((f[0], f[1]) for f in FIGURES)[key])
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
              f"servers, pgexport {mm.get('pgexport', '?')}. `--memory-limit` bounds the S3 upload "
              "buffers of all workers together; the Parquet writer's row groups (`--row-group-bytes`, "
              "64 MiB per worker by default) come on top.\n")
        for d in mem_meta:
            w(f"Data: `{d[0]}` ({d[1]}): {int(d[2])} tables, {int(d[3]):,} rows, "
              f"{int(d[4]) / 1e6:,.0f} MB COPY text (pgbench_accounts is nearly all of it), "
              f"{int(d[5]) / 1e6:,.0f} MB on disk. Target: peak RSS below 200 MiB with "
              "`--memory-limit 128MiB`.\n")
        mby = {}
        for r in mem_raw:
            mby.setdefault(r["contender"], []).append(r)
        rows = []
        for c in mem_contenders:
            name = c[1]
            if name not in mby:
                continue
            s = Stat(mby[name])
            b = int(mem_meta[0][4]) if mem_meta else 0
            if not s.ok:
                rows.append([f"`{name}`", f"failed: {s.fail_note}", "", "", "", "", ""])
                continue
            target = "–" if "default" in name else ("yes" if s.rss < 200 else "**no**")
            rows.append([f"`{name}`", fmt(s.wall, 1), fmt(b / 1e6 / s.wall) if b else "–",
                         fmt(s.rss, 0), target, fmt(s.client), fmt(s.out / MIB) if s.out else "–"])
        w(md_table(["run", "wall s (median)", "MB/s", "peak RSS MiB (max)", "< 200 MiB",
                    "client CPU s", "output MiB"], rows) + "\n")
        for c in mem_contenders:
            w(f"- `{c[1]}`: `{c[5].replace(args.work, '$WORK').replace(args.repo + '/', '')}`")
        w("")

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
             r["note"].replace("|", "\\|")] for r in raw + mem_raw]
    w(md_table(["data set", "contender", "run", "exit", "wall s", "client CPU s", "server CPU s",
                "S3 CPU s", "RSS MiB", "output bytes", "load1", "note"], rows,
               ["---", "---"] + ["--:"] * 9 + ["---"]) + "\n")
    w("</details>")

    with open(args.output, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    sys.exit(main())
