#!/usr/bin/env python3
"""q-language conformance gate: runs the shared q-corpus (KX reference console examples,
reliability high) against target/release/qtick and fails when a tier's pass rate drops
below the issue's targets. Prints the runner's per-tier table."""
import os, re, subprocess, sys

TARGETS = {"tier1": 97.0, "tier2": 92.0, "tier3": 80.0}
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runner = os.path.join(root, "..", "shared", "tools", "qcorpus")
qtick = os.environ.get("QTICK_BIN", os.path.join(root, "target", "release", "qtick"))
out = subprocess.run(
    [sys.executable, runner, "--reliability", "high", "--jobs", "2", "--cmd", qtick + " q"],
    cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
).stdout
rates = {}
for line in out.splitlines():
    m = re.match(r"(tier\d)\s+(\d+)\s+(\d+)\s+([\d.]+)%", line)
    if m:
        rates[m.group(1)] = float(m.group(4))
        print(line)
bad = [f"{t} {rates.get(t, 0.0):.1f}% < {want}%" for t, want in TARGETS.items() if rates.get(t, 0.0) < want]
if bad:
    print("q-corpus gate FAILED: " + "; ".join(bad))
    sys.exit(1)
print("q-corpus gate passed (targets " + ", ".join(f"{t} >= {v}%" for t, v in TARGETS.items()) + ")")
