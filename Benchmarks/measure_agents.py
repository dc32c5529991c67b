#!/usr/bin/env python3
"""git-kitty's own overhead per real agent run (issue 12's target: <= 50 ms).

For each CLI (Claude Code, Codex) against an instant scripted model server:
  - the CLI alone: the implementer's and the reviewer's runs, started by hand in a lane-like worktree with the same
    argv git-kitty uses, timed N times (median);
  - `git kitty orchestrate` on a 1-WP mission with that CLI as implementer and reviewer (N fresh repositories);
overhead per agent run = (orchestrate wall - implementer CLI - reviewer CLI) / 2. It includes everything git-kitty
does around the agents: its start-up, the host verbs (claim, worktree, status commits, review branch,
transitions), the prompt, the transcript, the run state.

Usage: measure_agents.py <git-kitty-binary> [runs]
"""
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Tests", "Agents"))
import test_agents as ta  # noqa: E402  (the agent test kit: mission, model server, environment)

IMPLEMENT = [{"write": {"path": "src/hello.txt", "content": "Hello\n"}},
             {"shell": "git add -A && git commit -qm 'WP01: hello'"}, {"text": "done"}]
REVIEW = [{"text": "fine\n\nKITTY_VERDICT: approved"}]


def one_wp(run):
    """Keep WP01 only: WP02 is canceled so the run is one implementation and one review."""
    sh = ta.sh
    sh(["git", "kitty", "orchestrator-api", "transition", "--mission", run.slug, "--wp", "WP02", "--to", "canceled",
        "--actor", "bench", "--note", "benchmark: one WP"], run.repo, env=run.kitty_env)


def direct(run, argv, prompt):
    """Seconds of one CLI run started by hand in the repository's checkout."""
    started = time.perf_counter()
    subprocess.run(argv, cwd=run.repo, env=run.kitty_env, input=prompt, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - started


def measure(bin_path, cli, runs):
    rules = [ta.rule(r"review WP01 ", REVIEW), ta.rule(r"implement WP01 ", IMPLEMENT)]
    walls, impl, review = [], [], []
    for _ in range(runs):
        run = ta.Run("bench-%s" % cli, bin_path, keep=False)
        try:
            run.config("[agents]\nmax_retries = 0\n")
            run.start_server(rules)
            one_wp(run)
            run.orchestrate([cli], [cli], merge=False)
            if run.result.returncode != 0:
                raise SystemExit("orchestrate failed:\n" + run.result.stderr[-2000:])
            walls.append(run.seconds)
            # The same CLI with git-kitty's own argv, by hand, on the same prompts.
            logs = os.path.join(run.repo, ".kittify", "logs", run.slug, "WP01")
            prompts = {name: open(os.path.join(logs, name)).read()
                       for name in ("implementation-1.prompt.md", "review-1.prompt.md")}
            spec = agent_argv(cli)
            impl.append(direct(run, spec["implementation"], prompts["implementation-1.prompt.md"]))
            review.append(direct(run, spec["review"], prompts["review-1.prompt.md"]))
        finally:
            run.close()
    wall, i, r = statistics.median(walls), statistics.median(impl), statistics.median(review)
    return wall, i, r, (wall - i - r) / 2


def agent_argv(cli):
    if cli == "claude-code":
        base = ["claude", "-p", "--output-format", "stream-json", "--verbose"]
        return {"implementation": base + ["--permission-mode", "acceptEdits", "--allowedTools", "Bash(git add:*)",
                                          "Bash(git commit:*)", "Bash(echo:*)"],
                "review": base + ["--permission-mode", "default", "--allowedTools", "Read"]}
    return {"implementation": ["codex", "exec", "--json", "--sandbox", "workspace-write", "-"],
            "review": ["codex", "exec", "--json", "--sandbox", "read-only", "-"]}


def main():
    bin_path = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    worst = 0.0
    for cli in ("claude-code", "codex"):
        wall, impl, review, overhead = measure(bin_path, cli, runs)
        worst = max(worst, overhead)
        print("%-12s orchestrate 1 WP %6.0f ms; the CLI alone: implementer %5.0f ms, reviewer %5.0f ms; "
              "git-kitty overhead per agent run %5.1f ms (median of %d)" %
              (cli, wall * 1000, impl * 1000, review * 1000, overhead * 1000, runs))
    print("%s overhead per real agent run: %.1f ms (target <= 50 ms)" % ("PASS" if worst <= 0.050 else "WARN",
                                                                          worst * 1000))


if __name__ == "__main__":
    main()
