#!/usr/bin/env python3
"""rec.py — run one command in a repo and write a normalised transcript.

usage: rec.py OUT.txt "title / what this shows" [--disk] [--pretty] -- CMD ARGS...
  env REPO  repo root (cwd for the command, replaced by <ROOT>); default: cwd
  --disk    also record what changed: new commits (subjects), `git status`,
            and `git diff` of the new commits + working tree (normalised)
  --pretty  additionally pretty-print each JSON stdout line
Placeholders: <ROOT> repo root, <VENV> venv, <TS> ISO timestamps,
<HEX32> random hex ids, <SHA> git object ids, <PID> pids.
"""
import json, os, re, shlex, subprocess, sys

def norm(s, root):
    s = s.replace(os.path.realpath(root), "<ROOT>").replace(root, "<ROOT>")
    s = s.replace(os.path.expanduser("~/.cache/git-kitty"), "<CACHE>")
    s = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?", "<TS>", s)
    s = re.sub(r"(corr-|hist-)[0-9a-f]{32}", r"\1<HEX32>", s)
    s = re.sub(r"\b[0-9a-f]{40}\b", "<SHA>", s)
    s = re.sub(r"index [0-9a-f]{7,}\.\.[0-9a-f]{7,}", "index <SHA>..<SHA>", s)
    s = re.sub(r"\(was [0-9a-f]{7,}\)", "(was <SHA>)", s)
    return s

def git(root, *a):
    return subprocess.run(["git", "-C", root, *a], capture_output=True, text=True).stdout

def main():
    out, title, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    disk = "--disk" in rest[: rest.index("--")]
    pretty = "--pretty" in rest[: rest.index("--")]
    cmd = rest[rest.index("--") + 1 :]
    root = os.environ.get("REPO", os.getcwd())
    before = git(root, "rev-parse", "HEAD").strip()
    p = subprocess.run(cmd, cwd=os.environ.get("CWD", root), capture_output=True, text=True)
    shown = " ".join(shlex.quote(c) for c in cmd)
    lines = [f"# {title}", f"$ {shown}", f"exit: {p.returncode}", "--- stdout"]
    lines.append(p.stdout.rstrip("\n"))
    if pretty:
        for l in p.stdout.splitlines():
            if l.startswith("{"):
                lines.append("--- stdout (pretty-printed, same data)")
                lines.append(json.dumps(json.loads(l), indent=2))
    err = p.stderr.rstrip("\n")
    if err:
        el = err.splitlines()
        if len(el) > 40:
            el = el[:20] + [f"... ({len(el) - 40} lines elided) ..."] + el[-20:]
        lines += ["--- stderr", "\n".join(el)]
    if disk:
        after = git(root, "rev-parse", "HEAD").strip()
        lines.append("--- disk: new commits (oldest first)")
        if before != after:
            lines.append(git(root, "log", "--reverse", "--format=%s  [files: see diff]", f"{before}..{after}").rstrip())
        else:
            lines.append("(none)")
        lines.append("--- disk: git status --short (after)")
        lines.append(git(root, "status", "--short", "--untracked-files=all").rstrip() or "(clean)")
        lines.append("--- disk: diff (committed + uncommitted, vs HEAD before the call)")
        lines.append(git(root, "diff", before, "--", ".", ":(exclude).worktrees").rstrip() or "(no diff)")
    txt = norm("\n".join(lines) + "\n", root)
    open(out, "w").write(txt)
    sys.stdout.write(txt)
    sys.exit(0)

main()
