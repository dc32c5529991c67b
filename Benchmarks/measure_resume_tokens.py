#!/usr/bin/env python3
"""Tokens of a rework with and without session resume (issue 12 item 6), with the real CLIs.

For each CLI (Claude Code, Codex) against the scripted model server (Tests/Agents/model_server.py), the
reject-then-rework scenario of test_agents.py twice: as git-kitty runs it (rework continues the implementer's
session: Claude `--resume`, Codex `exec … resume`), and with `[agents.<cli>] resume = false` (a fresh session that
gets the WP prompt and the feedback). Prints, per CLI and mode, the rework run's input and output tokens as the CLI
reports them, and the whole run's. The model server counts a request's input tokens as its bytes / 4 (the CLI's
system prompt, tool definitions and the conversation so far: what the CLI would send a real API, before any
prompt caching) and an answer's output tokens as its bytes / 4.

Usage: measure_resume_tokens.py <git-kitty-binary> [runs]
"""
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Tests", "Agents"))
import test_agents as ta  # noqa: E402  (the agent test kit: mission, model server, environment)

# A new file: Claude Code's Write refuses to replace a file its session has not read, which a fresh session has not.
REWORK = [{"write": {"path": "src/loud.txt", "content": "HELLO\n"}},
          {"shell": "git add -A && git commit -qm 'WP01: louder'"}, {"text": "Done: HELLO."}]


def rules():
    return [
        ta.rule(r"review WP01 of mission \S+ \(review cycle 1\)", ta.reject("Say it louder: add src/loud.txt reading HELLO.")),
        ta.rule(r"review WP0\d ", ta.approve()),
        ta.rule(r"implement WP01 .*Review feedback \(cycle 1\)", REWORK),
        ta.rule(r"implement WP01 ", ta.implement("WP01", "Hello") + REWORK),
        ta.rule(r"implement WP02 ", ta.implement("WP02", "Bonjour")),
    ]


def once(bin_path, cli, resume):
    run = ta.Run("tokens-%s-%s" % (cli, "resume" if resume else "fresh"), bin_path, keep=False)
    try:
        config = ta.FAST.format(retries=0, timeout=120)
        if not resume:
            config += "\n[agents.%s]\nresume = false\n" % cli
        run.config(config)
        run.start_server(rules())
        if run.orchestrate([cli], [cli]) != 0:
            raise SystemExit("orchestrate failed:" + run.explain())
        continued = any("continuing its session" in e.get("message", "") for e in run.events)
        if continued != resume:
            raise SystemExit("%s: resume=%s but continued=%s" % (cli, resume, continued))
        rework = [e for e in run.kinds("agent-run") if e.get("role") == "rework"]
        if len(rework) != 1:
            raise SystemExit("%s: expected one rework run: %s" % (cli, rework))
        usage = run.run_state()["usage"]
        return (rework[0].get("input_tokens", 0), rework[0].get("output_tokens", 0), usage["input_tokens"],
                usage["output_tokens"])
    finally:
        run.close()


def main():
    bin_path = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for cli in ("claude-code", "codex"):
        figures = {}
        for resume in (True, False):
            samples = [once(bin_path, cli, resume) for _ in range(runs)]
            figures[resume] = [statistics.median(s[i] for s in samples) for i in range(4)]
            print("%-12s %-7s rework: %7d input + %5d output tokens; whole run: %7d input + %6d output (median of %d)"
                  % (cli, "resume" if resume else "fresh", *figures[resume], runs), flush=True)
        (ri, ro, _, _), (fi, fo, _, _) = figures[True], figures[False]
        print("%-12s rework with resume / fresh: input %.2fx, output %.2fx" % (cli, ri / max(fi, 1), ro / max(fo, 1)))


if __name__ == "__main__":
    main()
