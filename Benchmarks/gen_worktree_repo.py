#!/usr/bin/env python3
"""Fill a repository for the worktree benchmark: a minimal spec-kitty mission plus bulk files.

Usage: gen_worktree_repo.py <repo-dir> [--files 2000] [--mb 20] [--seed 11]

Writes under <repo-dir> (which must exist; committing is the caller's job):
  * kitty-specs/<slug>/{meta.json,lanes.json,status.events.jsonl,tasks/WP01-x.md}: a lanes-topology
    mission targeting `develop` with one lane (lane-a: WP01), no planning commit and an empty event
    log, so `git kitty worktree add lane-a` merges nothing and only creates branches and a checkout;
  * .gitignore with `.worktrees/` (as spec-kitty writes it), so the main checkout stays clean;
  * <files> files totalling <mb> MB (10^6 bytes) under src/pkgNN/modNN/: sizes drawn from a
    log-normal distribution and scaled to the total, source-like text (identifiers, keywords,
    indentation; compresses about like code does) with every 50th file random binary.
Output is deterministic for a given seed. Prints `<slug> <file count> <bytes>` on stdout.
"""
import argparse
import json
import os
import random

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEYWORDS = ["def", "return", "if", "else", "for", "in", "import", "from", "class", "self", "None",
            "True", "False", "and", "or", "not", "with", "as", "yield", "lambda", "=", "==", "+", "(",
            ")", ":", ",", "[", "]", "{", "}", "0", "1", "2", "#"]


def ulid(rng):
    """26-char Crockford base32, 48-bit timestamp (2026-01-05T09:00Z) + 80 random bits."""
    value = (1767603600000 << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def write_mission(repo, rng):
    mission_id = ulid(rng)
    slug = "bench-worktree-" + mission_id[:8]
    mission_dir = os.path.join(repo, "kitty-specs", slug)
    os.makedirs(os.path.join(mission_dir, "tasks"), exist_ok=True)
    write_json(os.path.join(mission_dir, "meta.json"), {
        "created_at": "2026-01-05T09:00:00.000000+00:00",
        "flattened": False,
        "friendly_name": "bench worktree",
        "mission_id": mission_id,
        "mission_number": None,
        "mission_slug": slug,
        "mission_type": "software-dev",
        "purpose_context": "Synthetic mission used to benchmark lane worktree create and remove.",
        "purpose_tldr": "bench worktree",
        "slug": slug,
        "target_branch": "develop",
        "topology": "lanes",
    })
    write_json(os.path.join(mission_dir, "lanes.json"), {
        "version": 1,
        "mission_slug": slug,
        "mission_id": mission_id,
        "mission_branch": f"kitty/mission-{slug}",
        "target_branch": "develop",
        "lanes": [{
            "lane_id": "lane-a",
            "wp_ids": ["WP01"],
            "write_scope": [],
            "predicted_surfaces": [],
            "depends_on_lanes": [],
            "parallel_group": 0,
        }],
        "computed_at": "2026-01-05T09:00:01.000000+00:00",
        "computed_from": "dependency_graph+ownership",
        "planning_artifact_wps": [],
        "planning_commit_sha": None,
    })
    with open(os.path.join(mission_dir, "tasks", "WP01-x.md"), "w", encoding="utf-8") as f:
        f.write("---\nwork_package_id: WP01\ntitle: X\ndependencies: []\n---\n\n# WP01 X\n\nBenchmark lane.\n")
    open(os.path.join(mission_dir, "status.events.jsonl"), "w").close()
    return slug


def text_blob(rng, vocab, size):
    """About `size` bytes of indented, code-like lines (exactly `size`, ending in a newline)."""
    parts = []
    length = 0
    while length < size:
        indent = "    " * rng.randint(0, 3)
        line = indent + " ".join(rng.choices(vocab, k=rng.randint(3, 14))) + "\n"
        parts.append(line)
        length += len(line)
    data = "".join(parts).encode("ascii")[:size]
    return data[:-1] + b"\n" if data else data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    slug = write_mission(args.repo, rng)
    with open(os.path.join(args.repo, ".gitignore"), "w", encoding="utf-8") as f:
        f.write(".worktrees/\n")

    letters = "abcdefghijklmnopqrstuvwxyz_"
    identifiers = ["".join(rng.choices(letters, k=rng.randint(3, 14))) for _ in range(3000)]
    vocab = identifiers + KEYWORDS * 20

    total = int(args.mb * 1_000_000)
    weights = [rng.lognormvariate(0.0, 1.0) for _ in range(args.files)]
    scale = total / sum(weights)
    sizes = [max(64, int(w * scale)) for w in weights]
    sizes[-1] = max(64, sizes[-1] + total - sum(sizes))

    per_dir = 20
    dirs_per_pkg = 10
    written = 0
    for i, size in enumerate(sizes):
        d = i // per_dir
        directory = os.path.join(args.repo, "src", "pkg%02d" % (d // dirs_per_pkg), "mod%02d" % (d % dirs_per_pkg))
        os.makedirs(directory, exist_ok=True)
        if i % 50 == 49:
            name, data = "asset_%04d.bin" % i, rng.randbytes(size)
        else:
            name, data = "%s_%04d.py" % (identifiers[i % len(identifiers)], i), text_blob(rng, vocab, size)
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        written += len(data)
    print(slug, len(sizes), written)


if __name__ == "__main__":
    main()
