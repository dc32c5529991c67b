#!/usr/bin/env python3
"""Write the WP files of a benchmark mission for the built-in script agent.

Usage: gen_orchestrate_mission.py <tasks-dir> --wps N --shape fanout|parallel|chain
                                  [--implement SH] [--review SH]

Shapes:
  fanout    WP01 -> WP02..WP(N-1) in parallel -> WPN (fan-out/fan-in; N >= 3)
  parallel  N independent WPs
  chain     WP01 -> WP02 -> ... -> WPN

Every WP owns one file, out/<wp>.txt (lower-case id). The implement block is SH with {wp}, {file}
substituted (default: write the WP's file, which the orchestrator then commits as the WP's work, as
in scripts/demo.sh); the review block defaults to `true` (approve). Prints the WP ids, one a line.
"""
import argparse
import os
import sys

DEFAULT_IMPLEMENT = "mkdir -p out && echo {wp} > {file}"
DEFAULT_REVIEW = "true"


def dependencies(shape, index, count):
    if shape == "parallel":
        return []
    if shape == "chain":
        return [index - 1] if index > 1 else []
    if index == 1:
        return []
    if index == count:
        return list(range(2, count))
    return [1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks_dir")
    parser.add_argument("--wps", type=int, required=True)
    parser.add_argument("--shape", choices=["fanout", "parallel", "chain"], default="fanout")
    parser.add_argument("--implement", default=DEFAULT_IMPLEMENT)
    parser.add_argument("--review", default=DEFAULT_REVIEW)
    args = parser.parse_args()
    if args.wps < 1 or args.wps > 99 or (args.shape == "fanout" and args.wps < 3):
        parser.error("--wps must be 1..99 (fanout: 3..99)")
    os.makedirs(args.tasks_dir, exist_ok=True)
    for index in range(1, args.wps + 1):
        wp = f"WP{index:02d}"
        path = f"out/{wp.lower()}.txt"
        deps = ", ".join(f"WP{d:02d}" for d in dependencies(args.shape, index, args.wps))
        implement = args.implement.replace("{wp}", wp).replace("{file}", path)
        review = args.review.replace("{wp}", wp).replace("{file}", path)
        text = f"""---
work_package_id: {wp}
title: Bench {wp}
dependencies: [{deps}]
subtasks: []
execution_mode: code_change
owned_files:
- {path}
---

# {wp} – Bench {wp}

Create `{path}`.

```sh kitty-implement
{implement}
```

```sh kitty-review
{review}
```
"""
        with open(os.path.join(args.tasks_dir, f"{wp}-bench-{wp.lower()}.md"), "w", encoding="utf-8") as out:
            out.write(text)
        print(wp)


if __name__ == "__main__":
    sys.exit(main())
