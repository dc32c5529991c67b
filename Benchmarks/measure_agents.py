#!/usr/bin/env python3
"""git-kitty's own overhead per real agent run (issue 12's target: <= 50 ms).

For each CLI (Claude Code, Codex) against an instant scripted model server, `git kitty orchestrate --sandbox none`
on a 1-WP mission with that CLI as implementer and reviewer (N fresh repositories). Each agent-run event carries
`process_seconds`, the CLI process's own time from its start to its exit as git-kitty's executor measured it (same
argv, same worktree, same prompt: the very runs of the orchestration, not a second run by hand). So

  overhead per agent run = (orchestrate wall - sum of the runs' process_seconds) / number of agent runs

It includes everything git-kitty does around the agents: its start-up, the host verbs (claim, worktree, status
commits, review branch, transitions), the prompt, the transcript, the run state. `--sandbox none`: the sandbox's
own cost is measured by bench-sandbox.sh.

The runs' directories are removed after the last run, not between runs: on ext4, creating a file right after
thousands were deleted walks the inode table past them (`recently_deleted`), and the figure then grew with every
run (33 -> 60 ms over seven runs on a test machine) while git-kitty did the same work.

Usage: measure_agents.py <git-kitty-binary> [runs]
"""
import os
import statistics
import sys

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


def measure(bin_path, cli, runs):
    rules = [ta.rule(r"review WP01 ", REVIEW), ta.rule(r"implement WP01 ", IMPLEMENT)]
    walls, cli_times, overheads, done = [], [], [], []
    for _ in range(runs):
        run = ta.Run("bench-%s" % cli, bin_path, keep=True)
        done.append(run)
        try:
            run.config("[agents]\nmax_retries = 0\n")
            run.start_server(rules)
            one_wp(run)
            run.orchestrate([cli], [cli], merge=False)
            if run.result.returncode != 0:
                raise SystemExit("orchestrate failed:\n" + run.result.stderr[-2000:])
            agent_runs = run.kinds("agent-run")
            if len(agent_runs) != 2 or any("process_seconds" not in e for e in agent_runs):
                raise SystemExit("expected two agent runs with process_seconds: %s" % agent_runs)
            spent = sum(e["process_seconds"] for e in agent_runs)
            walls.append(run.seconds)
            cli_times.append(spent)
            overheads.append((run.seconds - spent) / len(agent_runs))
        finally:
            run.close()
    for run in done:
        run.keep = False
        run.close()
    return statistics.median(walls), statistics.median(cli_times), statistics.median(overheads)


def main():
    bin_path = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ta.SANDBOX = "none"
    worst = 0.0
    for cli in ("claude-code", "codex"):
        wall, spent, overhead = measure(bin_path, cli, runs)
        worst = max(worst, overhead)
        print("%-12s orchestrate 1 WP %6.0f ms; the CLI processes (implementer + reviewer) %5.0f ms; "
              "git-kitty overhead per agent run %5.1f ms (median of %d)" %
              (cli, wall * 1000, spent * 1000, overhead * 1000, runs))
    print("%s overhead per real agent run: %.1f ms (target <= 50 ms)" % ("PASS" if worst <= 0.050 else "WARN",
                                                                          worst * 1000))


if __name__ == "__main__":
    main()
