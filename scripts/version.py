#!/usr/bin/env python3
"""One version for every package. The source is `[workspace.package] version` in Cargo.toml; the
Python wheel takes it from there (maturin, `dynamic = ["version"]`), everything else repeats it.

    scripts/version.py            print the version
    scripts/version.py check      fail (exit 1) naming every file that disagrees
    scripts/version.py set 0.2.0  write the new version everywhere (then add a CHANGELOG entry)
"""
from __future__ import annotations

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def cargo_version() -> str:
    text = (ROOT / "Cargo.toml").read_text()
    block = text.split("[workspace.package]", 1)[1].split("\n[", 1)[0]
    m = re.search(r'^version\s*=\s*"([^"]+)"', block, re.M)
    if not m:
        sys.exit("Cargo.toml: no [workspace.package] version")
    return m.group(1)


def json_files() -> list[pathlib.Path]:
    return [ROOT / "node/package.json", *sorted((ROOT / "node/npm").glob("*/package.json"))]


# (file, regex whose group 1 is the version, replacement template)
TEXT_FILES: list[tuple[str, str, str]] = [
    ("kotlin/pom.xml", r"<artifactId>agenticstar</artifactId>\s*<version>([^<]+)</version>",
     "<artifactId>agenticstar</artifactId>\n  <version>{v}</version>"),
    ("Package.swift", r'let releaseVersion = "([^"]+)"', 'let releaseVersion = "{v}"'),
    ("node/package-lock.json", r'^  "version": "([^"]+)"', '  "version": "{v}"'),
    ("node/package-lock.json", r'"packages": \{\s*"": \{\s*"name": "agenticstar",\s*"version": "([^"]+)"', None),
]


def found() -> list[tuple[str, str]]:
    """(where, version) for every place a version is written."""
    out: list[tuple[str, str]] = []
    for p in json_files():
        data = json.loads(p.read_text())
        out.append((str(p.relative_to(ROOT)), data.get("version", "<none>")))
        for dep, ver in data.get("optionalDependencies", {}).items():
            out.append((f"{p.relative_to(ROOT)} optionalDependencies.{dep}", ver))
    for rel, pattern, _ in TEXT_FILES:
        m = re.search(pattern, (ROOT / rel).read_text(), re.M)
        out.append((rel, m.group(1) if m else "<not found>"))
    py = (ROOT / "python/pyproject.toml").read_text()
    out.append(("python/pyproject.toml", cargo_version() if 'dynamic = ["version"]' in py else "<not dynamic>"))
    m = re.search(r"^## \[?(\d[^\]\s]*)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    out.append(("CHANGELOG.md (latest release heading)", m.group(1) if m else "<none>"))
    return out


def check() -> int:
    want = cargo_version()
    bad = [(w, v) for w, v in found() if v != want]
    for w, v in bad:
        print(f"version drift: {w} has {v}, Cargo.toml has {want}", file=sys.stderr)
    if bad:
        print("fix with: scripts/version.py set " + want, file=sys.stderr)
        return 1
    print(f"version {want}: consistent in {len(found())} places")
    return 0


def set_version(v: str) -> None:
    text = (ROOT / "Cargo.toml").read_text()
    head, rest = text.split("[workspace.package]", 1)
    rest = re.sub(r'^version\s*=\s*"[^"]+"', f'version = "{v}"', rest, count=1, flags=re.M)
    (ROOT / "Cargo.toml").write_text(head + "[workspace.package]" + rest)
    for p in json_files():
        data = json.loads(p.read_text())
        data["version"] = v
        for dep in data.get("optionalDependencies", {}):
            data["optionalDependencies"][dep] = v
        p.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    for rel, pattern, template in TEXT_FILES:
        p = ROOT / rel
        s = p.read_text()
        if template is None:  # package-lock's root package entry: replace inside the match
            s = re.sub(pattern, lambda m: m.group(0)[: m.start(1) - m.start(0)] + v + '"', s, count=1, flags=re.M)
        else:
            s = re.sub(pattern, template.format(v=v), s, count=1, flags=re.M)
        p.write_text(s)
    print(f"version set to {v}; add a '## [{v}]' section to CHANGELOG.md, then run: scripts/version.py check")


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(cargo_version())
        return 0
    if args == ["check"]:
        return check()
    if len(args) == 2 and args[0] == "set" and re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", args[1]):
        set_version(args[1])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
