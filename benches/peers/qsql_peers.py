#!/usr/bin/env python3
"""qSQL benchmark: qtick against DuckDB and Polars on the same in-memory trade table.

One run does everything, so every number in the printed table comes from the same data on
the same machine state:

1. generates a trading day deterministically with numpy (seeded): a trade table
   (time sym price size, times strictly ascending) and a quote table (time sym bid ask);
2. writes the columns as raw little-endian files (symbols as codes plus a name list) that
   qtick's bench binary (`benches/qsql.rs`) loads straight into q vectors, then runs each q
   query there, several times, and dumps the last answer as raw columns;
3. loads the same arrays into DuckDB (native in-memory tables, symbols as ENUM) and Polars
   (DataFrames, symbols as Categorical) and times the equivalent SQL / Polars expressions,
   results materialised (DuckDB to Arrow; Polars frames are already materialised);
4. checks that the three systems' answers agree (every row, floats to 1e-9 relative), and
   prints a markdown table of median times and the ratios qtick/DuckDB and qtick/Polars
   (below 1 means qtick is faster).

Run it through scripts/bench-qsql.sh, which builds the venv and the qtick binary.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

NS_MIN = 60 * 10**9
NS_DAY = 86_400 * 10**9
# 2024.01.02, the trading session 09:30-16:00 (as nanoseconds since 1970).
DAY = np.datetime64("2024-01-02", "ns").astype(np.int64)
OPEN = DAY + (9 * 60 + 30) * NS_MIN
SESSION_NS = 390 * NS_MIN


def symbol_names(rng, n):
    """n distinct ticker-like names of 2-4 capital letters."""
    names = set()
    while len(names) < n:
        k = int(rng.integers(2, 5))
        names.add("".join(chr(65 + c) for c in rng.integers(0, 26, k)))
    return sorted(names)


def ascending_times(rng, n):
    """n strictly ascending timestamps spread over the session."""
    mean_gap = SESSION_NS // n
    gaps = rng.integers(1, 2 * mean_gap, n, dtype=np.int64)
    return OPEN + np.cumsum(gaps)


def generate(rows, quotes, nsyms, seed):
    rng = np.random.default_rng(seed)
    syms = symbol_names(rng, nsyms)
    # Activity is skewed across names as in a real market (Zipf-like weights).
    w = 1.0 / np.arange(1, nsyms + 1)
    w /= w.sum()
    rank = rng.permutation(nsyms)
    base = rng.uniform(5.0, 500.0, nsyms)

    def codes(n):
        return rank[rng.choice(nsyms, n, p=w)].astype(np.int32)

    t_sym = codes(rows)
    trade = {
        "time": ascending_times(rng, rows),
        "sym": t_sym,
        "price": np.round(base[t_sym] * (1 + 0.01 * rng.standard_normal(rows)), 4),
        "size": rng.integers(1, 100, rows, dtype=np.int64) * 100,
    }
    q_sym = codes(quotes)
    mid = base[q_sym] * (1 + 0.01 * rng.standard_normal(quotes))
    half = np.round(rng.uniform(0.005, 0.05, quotes), 4)
    quote = {
        "time": ascending_times(rng, quotes),
        "sym": q_sym,
        "bid": np.round(mid - half, 4),
        "ask": np.round(mid + half, 4),
    }
    return syms, trade, quote


def write_columns(d, syms, trade, quote):
    d.mkdir(parents=True, exist_ok=True)
    (d / "syms.txt").write_text("".join(s + "\n" for s in syms))
    for tname, t in (("trade", trade), ("quote", quote)):
        for c, v in t.items():
            kind = {np.dtype(np.int64): "i64", np.dtype(np.int32): "i32", np.dtype(np.float64): "f64"}[v.dtype]
            v.astype(v.dtype.newbyteorder("<"), copy=False).tofile(d / f"{tname}.{c}.{kind}")


class Queries:
    """The five queries, written once per system. `in_syms` and `min_price` parameterise
    the filter; they are chosen from the data so the filter keeps a realistic slice."""

    names = ["sum-avg-by-sym", "vwap-by-sym-5min", "where-in-price", "last-by-sym", "aj"]

    def __init__(self, in_syms, min_price):
        self.in_syms = in_syms
        self.min_price = min_price

    def q(self):
        s = "`" + "`".join(self.in_syms)
        return {
            "sum-avg-by-sym": "select sum size, avg price by sym from trade",
            "vwap-by-sym-5min": "select vwap:size wavg price by sym, 5 xbar time.minute from trade",
            "where-in-price": f"select from trade where sym in {s}, price>{self.min_price!r}",
            "last-by-sym": "select last price by sym from trade",
            "aj": "aj[`sym`time;trade;quote]",
        }

    def sql(self):
        s = ", ".join(f"'{x}'" for x in self.in_syms)
        return {
            "sum-avg-by-sym": "SELECT sym, sum(size) AS size, avg(price) AS price FROM trade GROUP BY sym",
            # Integer buckets: faster in DuckDB than time_bucket(INTERVAL '5 minutes', time).
            "vwap-by-sym-5min": "SELECT sym, epoch_ns(time) // 300000000000 * 300000000000 AS minute, "
            "sum(size * price) / sum(size) AS vwap FROM trade GROUP BY ALL",
            "where-in-price": f"SELECT * FROM trade WHERE sym IN ({s}) AND price > {self.min_price!r}",
            # An ordered aggregate: faster in DuckDB than arg_max(price, time).
            "last-by-sym": "SELECT sym, last(price ORDER BY time) AS price FROM trade GROUP BY sym",
            "aj": "SELECT t.time, t.sym, t.price, t.size, q.bid, q.ask FROM trade t "
            "ASOF LEFT JOIN quote q ON t.sym = q.sym AND t.time >= q.time",
        }

    def polars(self, trade, quote):
        # Lazy plans for the group-bys (Polars 2 runs them 3-4x faster than the eager API
        # here), eager calls for the filter and the as-of join (faster eager here).
        c, lt = pl.col, trade.lazy()
        return {
            "sum-avg-by-sym": lambda: lt.group_by("sym").agg(c("size").sum(), c("price").mean()).collect(),
            "vwap-by-sym-5min": lambda: lt.group_by("sym", c("time").dt.truncate("5m").alias("minute"))
            .agg(((c("size") * c("price")).sum() / c("size").sum()).alias("vwap"))
            .collect(),
            "where-in-price": lambda: trade.filter(c("sym").is_in(self.in_syms) & (c("price") > self.min_price)),
            "last-by-sym": lambda: lt.group_by("sym").agg(c("price").last()).collect(),
            "aj": lambda: trade.join_asof(quote, on="time", by="sym", strategy="backward"),
        }


def arrow_table(syms, t):
    cols = {}
    for c, v in t.items():
        if c == "time":
            cols[c] = pa.array(v.view("datetime64[ns]"))
        elif c == "sym":
            cols[c] = pa.DictionaryArray.from_arrays(pa.array(v), pa.array(syms))
        else:
            cols[c] = pa.array(v)
    return pa.table(cols)


def timed(f, runs):
    times, r = [], None
    for _ in range(runs):
        r = None
        t = time.perf_counter()
        r = f()
        times.append(time.perf_counter() - t)
    return times, r


def write_queries(data, queries):
    qfile = data / "queries.q"
    qfile.write_text("".join(f"{n}\t{q}\n" for n, q in queries.q().items()))
    return qfile


def run_qtick(args, data, queries, only):
    qfile = write_queries(data, queries)
    out = data / "qtick-out"
    cmd = [args.qtick, "--data", str(data), "--queries", str(qfile), "--runs", str(args.runs), "--out", str(out)]
    res = {}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            r = json.loads(line)
            if only and r["query"] not in only:
                continue
            res[r["query"]] = r
            if "error" in r:
                print(f"  qtick  {r['query']:<18} {r['error']}", file=sys.stderr)
            else:
                print(f"  qtick  {r['query']:<18} {1e3 * statistics.median(r['times']):9.1f} ms", file=sys.stderr)
    if p.returncode != 0:
        sys.exit(f"qtick bench failed ({p.returncode}): {' '.join(cmd)}")
    answers = {}
    for n, r in res.items():
        if "error" in r:
            continue
        cols = {}
        for f in r["files"]:
            _, col, kind = f.rsplit(".", 2)
            path = out / f
            if kind == "sym":
                cols[col] = np.array(path.read_text().splitlines(), dtype=object)
            else:
                cols[col] = np.fromfile(path, dtype={"i64": "<i8", "i32": "<i4", "f64": "<f8"}[kind])
        answers[n] = cols
    return {n: r.get("times") or r["error"] for n, r in res.items()}, answers


def np_cols(table):
    """An Arrow table or Polars frame as numpy columns (symbols as str objects, nulls NaN)."""
    if isinstance(table, pl.DataFrame):
        table = table.to_arrow()
    out = {}
    for name, col in zip(table.column_names, table.columns):
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            out[name] = np.array(col.to_pylist(), dtype=object)
        elif pa.types.is_timestamp(col.type):
            out[name] = col.cast(pa.timestamp("ns")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        elif pa.types.is_floating(col.type):
            out[name] = col.fill_null(float("nan")).to_numpy(zero_copy_only=False)
        else:
            out[name] = col.to_numpy(zero_copy_only=False)
    return out


# The columns q gives each answer, keys first (KX's xbar page: `by 10 xbar time.minute`
# names its column `minute`). Every system's answer is read by position under these names.
COLUMNS = {
    "sum-avg-by-sym": ["sym", "size", "price"],
    "vwap-by-sym-5min": ["sym", "minute", "vwap"],
    "where-in-price": ["time", "sym", "price", "size"],
    "last-by-sym": ["sym", "price"],
    "aj": ["time", "sym", "price", "size", "bid", "ask"],
}
KEYS = {"sum-avg-by-sym": ["sym"], "last-by-sym": ["sym"], "vwap-by-sym-5min": ["minute", "sym"]}


def canonical(name, cols):
    """One system's answer in a comparable form: q's column names, rows in key order, the
    5-minute bucket as minutes since midnight (q's minute type)."""
    cols = dict(zip(COLUMNS[name], cols.values()))
    if name == "vwap-by-sym-5min" and cols["minute"].dtype == np.int64:
        cols["minute"] = ((cols["minute"] % NS_DAY) // NS_MIN).astype(np.int32)
    order = np.lexsort([cols[k] for k in KEYS.get(name, ["time"])])
    return {k: v[order] for k, v in cols.items()}


def compare(name, ref, other, who):
    if len(ref) != len(COLUMNS[name]) or len(other) != len(COLUMNS[name]):
        return f"{name}: qtick has columns {list(ref)}, {who} {list(other)}; q's are {COLUMNS[name]}"
    a, b = canonical(name, ref), canonical(name, other)
    for c in a:
        x, y = a[c], b[c]
        if len(x) != len(y):
            return f"{name}: {who} has {len(y)} rows, qtick {len(x)}"
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            ok = np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=0, equal_nan=True)
        else:
            ok = np.array_equal(x, y.astype(x.dtype) if x.dtype != object else y)
        if not ok:
            bad = np.flatnonzero(x != y)[:3] if x.dtype.kind != "f" else np.flatnonzero(~np.isclose(x, y, rtol=1e-9, equal_nan=True))[:3]
            return f"{name}: column {c} differs from {who} at rows {bad.tolist()}: qtick {x[bad].tolist()} {who} {y[bad].tolist()}"
    return None


def main():
    # Polars warns that it cannot check sortedness within `by` groups; the data is sorted.
    warnings.filterwarnings("ignore", message="Sortedness of columns cannot be checked")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qtick", required=True, help="the qsql bench binary (benches/qsql.rs)")
    ap.add_argument("--rows", type=int, default=10_000_000, help="trades (default 10M)")
    ap.add_argument("--quotes", type=int, default=10_000_000, help="quotes (default 10M)")
    ap.add_argument("--syms", type=int, default=1500, help="distinct symbols (default 1500)")
    ap.add_argument("--runs", type=int, default=5, help="runs per query; the median is reported")
    ap.add_argument("--seed", type=int, default=20240102)
    ap.add_argument("--data", default="target/qsql-bench", help="where the columns are written")
    ap.add_argument("--only", action="append", help="run only this query (repeatable)")
    ap.add_argument(
        "--prepare-only",
        action="store_true",
        help="write the data and queries.q, print the qtick command and stop (for profiling)",
    )
    args = ap.parse_args()

    data = Path(args.data)
    t0 = time.perf_counter()
    syms, trade, quote = generate(args.rows, args.quotes, args.syms, args.seed)
    write_columns(data, syms, trade, quote)
    print(f"generated {args.rows} trades, {args.quotes} quotes, {args.syms} syms in {time.perf_counter() - t0:.1f}s", file=sys.stderr)

    # Ten names from across the activity range; the price cut keeps about half their rows.
    counts = np.bincount(trade["sym"], minlength=args.syms)
    by_activity = np.argsort(-counts, kind="stable")
    in_codes = by_activity[np.linspace(0, args.syms - 1, 10).astype(int)]
    in_syms = [syms[i] for i in in_codes]
    sel = np.isin(trade["sym"], in_codes)
    min_price = float(np.round(np.median(trade["price"][sel]), 2)) if sel.any() else 0.0
    queries = Queries(in_syms, min_price)
    only = set(args.only or [])
    if args.prepare_only:
        qfile = write_queries(data, queries)
        print(f"{args.qtick} --data {data} --queries {qfile} --runs {args.runs}")
        return

    results = {n: {} for n in Queries.names if not only or n in only}
    answers = {}

    print("qtick:", file=sys.stderr)
    q_times, answers["qtick"] = run_qtick(args, data, queries, only)
    for n in results:
        results[n]["qtick"] = q_times[n]

    t_arrow, q_arrow = arrow_table(syms, trade), arrow_table(syms, quote)

    print(f"duckdb {duckdb.__version__}:", file=sys.stderr)
    con = duckdb.connect()
    con.register("t_arrow", t_arrow)
    con.register("q_arrow", q_arrow)
    # Symbols as an ENUM, DuckDB's interned strings (3x faster than VARCHAR here).
    con.execute("CREATE TYPE sym_t AS ENUM (SELECT unnest($1::VARCHAR[]))", [syms])
    con.execute("CREATE TABLE trade AS SELECT time, sym::sym_t AS sym, price, size FROM t_arrow")
    con.execute("CREATE TABLE quote AS SELECT time, sym::sym_t AS sym, bid, ask FROM q_arrow")
    con.unregister("t_arrow")
    con.unregister("q_arrow")
    threads = con.sql("SELECT current_setting('threads')").fetchall()[0][0]
    sqls = queries.sql()
    answers["duckdb"] = {}
    for n in results:
        times, r = timed(lambda: con.sql(sqls[n]).to_arrow_table(), args.runs)
        results[n]["duckdb"] = times
        answers["duckdb"][n] = np_cols(r)
        print(f"  duckdb {n:<18} {1e3 * statistics.median(times):9.1f} ms", file=sys.stderr)
    con.close()
    del con

    print(f"polars {pl.__version__}:", file=sys.stderr)
    trade_df = pl.from_arrow(t_arrow).with_columns(pl.col("sym").cast(pl.Categorical))
    quote_df = pl.from_arrow(q_arrow).with_columns(pl.col("sym").cast(pl.Categorical))
    del t_arrow, q_arrow
    fs = queries.polars(trade_df, quote_df)
    answers["polars"] = {}
    for n in results:
        times, r = timed(fs[n], args.runs)
        results[n]["polars"] = times
        answers["polars"][n] = np_cols(r)
        print(f"  polars {n:<18} {1e3 * statistics.median(times):9.1f} ms", file=sys.stderr)
    del trade_df, quote_df

    problems, notes = [], []
    for n in results:
        if n not in answers["qtick"]:
            problems.append(f"{n}: qtick failed: {results[n]['qtick']}")
            continue
        if list(answers["qtick"][n]) != COLUMNS[n]:
            notes.append(f"{n}: qtick names the columns {list(answers['qtick'][n])}; q names them {COLUMNS[n]}")
        for who in ("duckdb", "polars"):
            p = compare(n, answers["qtick"][n], answers[who][n], who)
            if p:
                problems.append(p)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    print()
    print(
        f"{when}; {os.cpu_count()} cores ({cpu}); {args.rows:,} trades, {args.quotes:,} quotes, {args.syms} symbols; "
        f"median of {args.runs} runs; DuckDB {duckdb.__version__} ({threads} threads), Polars {pl.__version__} "
        f"({pl.thread_pool_size()} threads), qtick {len(os.sched_getaffinity(0))} threads (its default: the cores it may "
        f"run on, as -s would set); load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| query | q | qtick ms | DuckDB ms | Polars ms | qtick/DuckDB | qtick/Polars |")
    print("|---|---|--:|--:|--:|--:|--:|")
    qs = queries.q()
    for n, r in results.items():
        m = {k: 1e3 * statistics.median(v) for k, v in r.items() if not isinstance(v, str)}
        qtext = qs[n] if len(qs[n]) < 70 else qs[n][:60] + "…"
        if "qtick" in m:
            q, rd, rp = f"{m['qtick']:.1f}", f"{m['qtick'] / m['duckdb']:.2f}", f"{m['qtick'] / m['polars']:.2f}"
        else:
            q, rd, rp = f"fails: {r['qtick']}", "-", "-"
        print(f"| {n} | `{qtext}` | {q} | {m['duckdb']:.1f} | {m['polars']:.1f} | {rd} | {rp} |")
    print()
    for note in notes:
        print("note: " + note)
    if problems:
        print("RESULTS DIFFER:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(f"results agree: every query's rows match across qtick, DuckDB and Polars ({len(results)} queries)")


if __name__ == "__main__":
    main()
