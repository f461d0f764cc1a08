#!/usr/bin/env python3
"""Binding crates' share of the core (issue 11): non-blank, non-comment Rust lines of each crate's
src/, test modules (from the first `#[cfg(test)]` of a file) and generated code excluded."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lines(rel: str) -> int:
    total = 0
    for dirpath, _, files in os.walk(os.path.join(ROOT, rel)):
        for f in files:
            if f.endswith(".rs"):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    src = fh.read()
                cut = src.find("#[cfg(test)]")
                if cut >= 0:
                    src = src[:cut]
                total += sum(1 for ln in src.splitlines() if ln.strip() and not ln.strip().startswith("//"))
    return total


core = lines("core/src")
print(f"core: {core} lines")
share = 0.0
for name in ("python", "node", "uniffi"):
    n = lines(f"bindings/{name}/src")
    share += n / core
    print(f"{name}: {n} lines, {100 * n / core:.1f}% of core")
print(f"bindings together: {100 * share:.1f}% of core (issue 11: at most 40%)")
sys.exit(0)
