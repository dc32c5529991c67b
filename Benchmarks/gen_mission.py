#!/usr/bin/env python3
"""Generate a large synthetic spec-kitty 3.2.7 mission for the read-verb benchmarks.

Usage: gen_mission.py <repo-dir> [--wps 1000] [--events 100000] [--seed 7]

Writes kitty-specs/<slug>/{meta.json,lanes.json,status.events.jsonl,tasks/WPnnnn-*.md}
under <repo-dir> (which must exist; committing is the caller's job) and prints the
mission slug on stdout.

The event log uses spec-kitty's on-disk format (one `json.dumps(sort_keys=True)` object
per line) and mixes the three row kinds a real log holds:
  * mission-level rows with `event_type` (MissionCreated ... WPCreated ... TasksCompleted),
  * lane transitions that follow valid lane paths (genesis->planned bootstrap,
    planned->claimed->in_progress->for_review->in_review->approved->done, review
    rejections in_review->in_progress, in_progress<->blocked, planned->canceled),
  * annotations (`kind: annotation`: subtask progress, notes, agent/shell_pid).
A WP is only claimed after all its dependencies reached approved/done, timestamps are
strictly increasing in file order, and event ids are unique ULID-shaped strings whose
time prefix matches `at`. Output is deterministic for a given seed.
"""
import argparse
import datetime as dt
import json
import os
import random
import sys

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
POLICY = {
    "agent_family": "claude",
    "approval_mode": "full_auto",
    "dangerous_flags": [],
    "network_mode": "none",
    "orchestrator_id": "swift-orch",
    "orchestrator_version": "0.1.0",
    "sandbox_mode": "workspace_write",
    "tool_restrictions": None,
}
EPOCH = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.timezone.utc)
WPS_PER_LANE = 40


def ulid(rng, ms, used):
    """26-char Crockford base32: 48-bit ms timestamp + 80 random bits, unique within `used`."""
    while True:
        value = (ms << 80) | rng.getrandbits(80)
        chars = []
        for _ in range(26):
            chars.append(CROCKFORD[value & 31])
            value >>= 5
        text = "".join(reversed(chars))
        if text not in used:
            used.add(text)
            return text


def iso(us):
    """Microseconds since EPOCH -> spec-kitty's `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`."""
    return (EPOCH + dt.timedelta(microseconds=us)).isoformat(timespec="microseconds")


def epoch_ms(us):
    return int(EPOCH.timestamp() * 1000) + us // 1000


def lane_name(index):
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return "lane-" + letters


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo")
    parser.add_argument("--wps", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    used_ids = set()
    n = args.wps
    width = max(4, len(str(n)))

    mission_id = ulid(rng, epoch_ms(0), used_ids)
    slug = "bench-mission-" + mission_id[:8]
    mission_dir = os.path.join(args.repo, "kitty-specs", slug)
    tasks_dir = os.path.join(mission_dir, "tasks")
    os.makedirs(tasks_dir, exist_ok=True)

    # ---- work packages: sparse DAG over earlier WPs, contiguous blocks share a lane ----
    wp_ids = ["WP%0*d" % (width, i + 1) for i in range(n)]
    deps = []
    for i in range(n):
        k = rng.choice((0, 1, 1, 2, 2)) if i else 0
        window = list(range(max(0, i - 30), i))
        deps.append(sorted(rng.sample(window, min(k, len(window)))))
    lane_of = [i // WPS_PER_LANE for i in range(n)]
    subtask_counter = 0
    subtasks = []
    for i in range(n):
        count = rng.randint(1, 5)
        subtasks.append(["T%0*d" % (width, subtask_counter + j + 1) for j in range(count)])
        subtask_counter += count

    def owned(i):
        module = "src/mod%03d" % lane_of[i]
        return [f"{module}/{wp_ids[i].lower()}.py", f"{module}/shared/**"]

    for i, wp in enumerate(wp_ids):
        module = "src/mod%03d" % lane_of[i]
        lines = [
            "---",
            f"work_package_id: {wp}",
            f"title: Synthetic work package {i + 1}",
            "dependencies:" + ("" if deps[i] else " []"),
            *[f"- {wp_ids[d]}" for d in deps[i]],
            "requirement_refs:",
            "- FR-%03d" % (i % 200 + 1),
            "planning_base_branch: develop",
            "merge_target_branch: develop",
            "branch_strategy: Planning artifacts for this mission were generated on develop; "
            "completed changes must merge back into develop.",
            "subtasks:",
            *[f"- {t}" for t in subtasks[i]],
            "history:",
            "- at: '2026-01-01T00:00:00Z'",
            "  actor: system",
            "  action: Prompt generated",
            f"authoritative_surface: {module}/",
            "create_intent:",
            f"- {module}/{wp.lower()}.py",
            "execution_mode: code_change",
            "owned_files:",
            *[f"- {g}" for g in owned(i)],
            "tags: []",
            "tracker_refs: []",
            "---",
            "",
            f"# Work Package Prompt: {wp} – Synthetic work package {i + 1}",
            "",
            "## Subtasks & Detailed Guidance",
            "",
            *[f"### Subtask {t} – step {j + 1}\n" for j, t in enumerate(subtasks[i])],
            "## Activity Log",
            "",
            "- 2026-01-01T00:00:00Z – system – Prompt created.",
            "",
        ]
        with open(os.path.join(tasks_dir, f"{wp}-synthetic-{i + 1}.md"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))

    # ---- meta.json (same keys as a finalized lanes-topology mission) ----
    meta = {
        "created_at": iso(0),
        "flattened": False,
        "friendly_name": "bench mission",
        "mission_id": mission_id,
        "mission_number": None,
        "mission_slug": slug,
        "mission_type": "software-dev",
        "purpose_context": "Synthetic mission used to benchmark the orchestrator-api read verbs.",
        "purpose_tldr": "bench mission",
        "slug": slug,
        "target_branch": "develop",
        "topology": "lanes",
    }
    with open(os.path.join(mission_dir, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")

    # ---- lanes.json: one lane per block; cross-block dependencies become lane edges ----
    lane_count = lane_of[-1] + 1 if n else 0
    lane_deps = [set() for _ in range(lane_count)]
    for i in range(n):
        for d in deps[i]:
            if lane_of[d] != lane_of[i]:
                lane_deps[lane_of[i]].add(lane_of[d])
    depth = []
    for lane in range(lane_count):
        depth.append(1 + max((depth[d] for d in lane_deps[lane]), default=-1))
    lanes = []
    for lane in range(lane_count):
        members = [i for i in range(n) if lane_of[i] == lane]
        scope = []
        for i in members:
            for g in owned(i):
                if g not in scope:
                    scope.append(g)
        lanes.append({
            "lane_id": lane_name(lane),
            "wp_ids": [wp_ids[i] for i in members],
            "write_scope": scope,
            "predicted_surfaces": [],
            "depends_on_lanes": [lane_name(d) for d in sorted(lane_deps[lane])],
            "parallel_group": depth[lane],
        })

    # ---- final lane per WP (only progress once every dependency is approved/done) ----
    final = []
    for i in range(n):
        pos = i / max(1, n)
        deps_ok = all(final[d] in ("approved", "done") for d in deps[i])
        if not deps_ok or pos >= 0.85:
            state = "canceled" if rng.random() < 0.01 else "planned"
        elif pos < 0.6:
            state = "done" if rng.random() < 0.95 else "approved"
        else:
            state = rng.choice(("done", "done", "approved", "in_review", "for_review",
                                "in_progress", "in_progress", "blocked", "claimed", "planned"))
        final.append(state)

    # ---- events: header rows, bootstrap, then per-WP scripts interleaved on one clock ----
    rows = []  # (time_us, kind, payload) ; kind: "mission" | "wp"
    t = 0
    header = [
        ("MissionCreated", mission_id, "Mission", {"created_at": iso(0), "friendly_name": "bench mission",
                                                    "mission_id": mission_id, "mission_number": None,
                                                    "mission_slug": slug, "mission_type": "software-dev",
                                                    "purpose_context": meta["purpose_context"],
                                                    "purpose_tldr": "bench mission", "target_branch": "develop",
                                                    "wp_count": 0}),
        ("SpecifyStarted", slug, "Mission", {"actor": "spec-kitty mission create",
                                             "artifact_path": f"kitty-specs/{slug}/spec.md"}),
        ("SpecifyCompleted", slug, "Mission", {"actor": "spec-kitty agent mission setup-plan",
                                               "artifact_path": f"kitty-specs/{slug}/spec.md", "summary": None}),
        ("PlanStarted", slug, "Mission", {"actor": "spec-kitty agent mission setup-plan"}),
        ("TasksStarted", slug, "Mission", {"actor": "spec-kitty agent mission finalize-tasks"}),
    ]
    for i, wp in enumerate(wp_ids):
        header.append(("WPCreated", wp, "WorkPackage", {
            "actor": "spec-kitty agent mission finalize-tasks", "depends_on": [wp_ids[d] for d in deps[i]],
            "wp_id": wp, "wp_path": f"kitty-specs/{slug}/tasks/{wp}-synthetic-{i + 1}.md",
            "wp_title": f"Synthetic work package {i + 1}"}))
    header.append(("TasksCompleted", slug, "Mission", {"actor": "spec-kitty agent mission finalize-tasks",
                                                       "artifact_path": f"kitty-specs/{slug}/tasks.md",
                                                       "summary": None, "wp_count": n}))
    for name, aggregate, aggregate_type, payload in header:
        t += rng.randint(200, 3000)
        rows.append((t, "mission", (name, aggregate, aggregate_type, payload)))
    for i in range(n):
        t += rng.randint(100, 2000)
        rows.append((t, "wp", (i, "genesis", "planned", "finalize-tasks", {"bootstrap": True})))
    start = t + 60_000_000

    # Base script per WP as a list of steps; extra budget is spread as review cycles,
    # blocked cycles and annotations over WPs that reached in_progress.
    reached_progress = [s not in ("planned", "canceled", "claimed") for s in final]
    rejects = [0] * n
    blocks = [0] * n
    notes = [0] * n

    def base_rows(i):
        s = final[i]
        count = {"planned": 0, "canceled": 1, "claimed": 1, "in_progress": 2, "blocked": 3,
                 "for_review": 3, "in_review": 4, "approved": 5, "done": 6}[s]
        if reached_progress[i]:
            count += len(subtasks[i]) if s in ("approved", "done") else len(subtasks[i]) // 2
            count += 1  # agent/shell_pid annotation right after the claim
        return count

    total = len(rows) + sum(base_rows(i) for i in range(n))
    active = [i for i in range(n) if reached_progress[i]]
    if total > args.events:
        sys.exit(f"gen_mission.py: {n} WPs need at least {total} rows; raise --events")
    while active and total < args.events:
        i = rng.choice(active)
        room = args.events - total
        pick = rng.random()
        if pick < 0.55 and room >= 4:
            rejects[i] += 1   # in_review->in_progress, note, for_review, in_review
            total += 4
        elif pick < 0.75 and room >= 2:
            blocks[i] += 1    # in_progress->blocked->in_progress
            total += 2
        else:
            notes[i] += 1
            total += 1

    wp_rows = []
    done_at = {}  # WP index -> time of its last transition (claims wait for dependencies)
    for i in range(n):
        wp = wp_ids[i]
        s = final[i]
        if s == "planned":
            continue
        clock = [max([start] + [done_at.get(d, start) for d in deps[i]]) + rng.randint(1_000_000, 900_000_000)]

        def step(kind, *payload):
            clock[0] += rng.randint(2_000_000, 1_800_000_000)
            wp_rows.append((clock[0], kind, payload))

        if s == "canceled":
            step("wp", i, "planned", "canceled", "operator", {"reason": "descoped by operator"})
            done_at[i] = clock[0]
            continue
        impl = "impl-%d" % (i % 7 + 1)
        rev = "rev-%d" % (i % 3 + 1)
        step("wp", i, "planned", "claimed", impl, {})
        if s == "claimed":
            done_at[i] = clock[0]
            continue
        step("ann", i, impl, {"agent": "claude", "shell_pid": 40000 + i})
        step("wp", i, "claimed", "in_progress", impl, {})
        todo = list(subtasks[i]) if s in ("approved", "done") else subtasks[i][: len(subtasks[i]) // 2]
        extra_notes = notes[i]
        for _ in range(blocks[i]):
            step("wp", i, "in_progress", "blocked", impl, {"reason": "waiting on a dependency fix"})
            step("wp", i, "blocked", "in_progress", impl, {"reason": "unblocked"})
        if todo:
            step("ann", i, "user", {"subtasks": {todo.pop(0): "done"}})
        if s == "blocked" and rejects[i] == 0:
            for sub in todo:
                step("ann", i, "user", {"subtasks": {sub: "done"}})
            for _ in range(extra_notes):
                step("ann", i, impl, {"note": f"- [{wp}] {impl}: still blocked"})
            step("wp", i, "in_progress", "blocked", impl, {"reason": "blocked on external input"})
            done_at[i] = clock[0]
            continue
        if s == "in_progress" and rejects[i] == 0:
            for sub in todo:
                step("ann", i, "user", {"subtasks": {sub: "done"}})
            for _ in range(extra_notes):
                step("ann", i, impl, {"note": f"- [{wp}] {impl}: progress update"})
            done_at[i] = clock[0]
            continue
        for cycle in range(rejects[i] + 1):
            last = cycle == rejects[i]
            if last:
                for sub in todo:
                    step("ann", i, "user", {"subtasks": {sub: "done"}})
                for _ in range(extra_notes):
                    step("ann", i, impl, {"note": f"- [{wp}] {impl}: progress update"})
                if s in ("in_progress", "blocked"):
                    if s == "blocked":
                        step("wp", i, "in_progress", "blocked", impl, {"reason": "blocked on external input"})
                    break
            step("wp", i, "in_progress", "for_review", impl, {"reason": "ready for review" if cycle == 0 else None})
            if last and s == "for_review":
                break
            step("wp", i, "for_review", "in_review", rev, {
                "reason": "Started review via action command",
                "review_ref": f"review://{wp}/claim" if cycle == 0 and i % 4 == 0 else None})
            if last and s == "in_review":
                break
            if not last:
                step("wp", i, "in_review", "in_progress", rev, {
                    "reason": "changes requested in review cycle %d" % (cycle + 1),
                    "review_result": {"feedback_path": f"kitty-specs/{slug}/tasks/{wp}-feedback.md",
                                      "reference": f"review://{wp}/cycle-{cycle + 1}",
                                      "reviewer": rev, "verdict": "changes_requested"}})
                step("ann", i, impl, {"note": f"- [{wp}] {impl}: addressing review cycle {cycle + 1}"})
                continue
            step("wp", i, "in_review", "approved", rev, {
                "review_result": {"reference": f"review://{wp}/cycle-{cycle + 1}", "reviewer": rev,
                                  "verdict": "approved"}})
            if s == "done":
                step("wp", i, "approved", "done", rev, {"done": True})
        done_at[i] = clock[0]

    # Sort the per-WP rows onto one clock; make every timestamp strictly increasing.
    wp_rows.sort(key=lambda r: r[0])
    rows.extend(wp_rows)
    last_t = -1
    out_path = os.path.join(mission_dir, "status.events.jsonl")
    with open(out_path, "w", encoding="utf-8") as f:
        for when, kind, payload in rows:
            when = max(when, last_t + 1)
            last_t = when
            at = iso(when)
            event_id = ulid(rng, epoch_ms(when), used_ids)
            if kind == "mission":
                name, aggregate, aggregate_type, data = payload
                data = dict(data)
                if name not in ("MissionCreated", "WPCreated"):
                    data.update({"at": at.replace("+00:00", "Z"), "mission_number": None, "mission_slug": slug})
                elif name == "WPCreated":
                    data.update({"created_at": at.replace("+00:00", "Z"), "mission_number": None,
                                 "mission_slug": slug})
                row = {"aggregate_id": aggregate, "aggregate_type": aggregate_type, "event_id": event_id,
                       "event_type": name, "payload": data,
                       "project_slug": "bench" if name == "MissionCreated" else None,
                       "project_uuid": "00000000-0000-4000-8000-000000000000" if name == "MissionCreated" else None,
                       "schema_version": "5.0.0", "timestamp": at}
            elif kind == "ann":
                i, actor, delta = payload
                row = {"actor": actor, "at": at, "delta": delta, "event_id": event_id,
                       "kind": "annotation", "wp_id": wp_ids[i]}
            else:
                i, from_lane, to_lane, actor, extra = payload
                bootstrap = extra.get("bootstrap", False)
                done = extra.get("done", False)
                row = {"actor": actor, "at": at, "event_id": event_id,
                       "evidence": None, "execution_mode": "worktree", "force": False,
                       "from_lane": from_lane, "mission_id": mission_id, "mission_slug": slug,
                       "policy_metadata": None if bootstrap or done else POLICY,
                       "reason": "canonical bootstrap" if bootstrap else extra.get("reason"),
                       "review_ref": extra.get("review_ref"), "to_lane": to_lane, "wp_id": wp_ids[i]}
                if "review_result" in extra:
                    row["review_result"] = extra["review_result"]
                if done:
                    row["evidence"] = {"review": {"reference": f"review://{wp_ids[i]}", "reviewer": actor,
                                                  "verdict": "approved"}}
            f.write(json.dumps(row, sort_keys=True) + "\n")

    lanes_doc = {
        "version": 1,
        "mission_slug": slug,
        "mission_id": mission_id,
        "mission_branch": f"kitty/mission-{slug}",
        "target_branch": "develop",
        "lanes": lanes,
        "computed_at": iso(rows[len(header) + n - 1][0] + 1),
        "computed_from": "dependency_graph+ownership",
        "planning_artifact_wps": [],
        "planning_commit_sha": "0" * 40,
    }
    with open(os.path.join(mission_dir, "lanes.json"), "w", encoding="utf-8") as f:
        json.dump(lanes_doc, f, indent=2)
        f.write("\n")
    print(slug)


if __name__ == "__main__":
    main()
