#!/usr/bin/env python3
"""A scripted stand-in for the model APIs, so the real Claude Code and Codex CLIs run offline.

Speaks the Anthropic Messages API (POST /v1/messages, SSE or JSON) and the OpenAI Responses API
(POST /v1/responses, SSE). Every answer comes from a scenario file:

    {"rules": [{"match": "WP01.*implement", "steps": [{"shell": "sh ./test.sh"}, {"text": "done"}]}],
     "default": {"steps": [{"text": "no rule matched"}]}}

`match` is a regex searched (re.S) in the conversation's first user message (the prompt the CLI was given).
The step answered is the number of assistant turns already in the request's history, so the server keeps no
state: a retried request gets the same answer, a resumed session goes on where it stopped.

Step kinds (README.md has the details): shell, write, text, error, crash; `sleep` delays any step and
`usage` ({"input": n, "output": n}) overrides the token counts it reports.

Usage: model_server.py --scenario FILE [--port 0] [--port-file PATH] [--log REQUESTS.jsonl] [--dump-dir DIR]
Binds 127.0.0.1 only. Stops on SIGTERM/SIGINT or after --max-lifetime seconds.
"""
import argparse
import http.server
import itertools
import json
import os
import re
import signal
import socket
import sys
import threading
import time

TRUNC = 400
_ids = itertools.count(1)
_log_lock = threading.Lock()

# Words in an error tool result that mean the CLI did not let the agent do what it tried (measured: Claude Code
# says "This command requires approval", "… needs approval", "Claude requested permissions to write …"; Codex's sandbox
# surfaces as the OS error of the denied write). A plain "Permission denied" is a refusal only under Codex's
# sandbox: under Claude it is the OS answering a command that did run.
CLAUDE_REFUSAL = re.compile(
    r"requires approval|needs approval|requested permissions|while in plan mode|Auto mode is unavailable"
    r"|No such tool available|disabled for this session|not allowed|denied|blocked", re.I)
CODEX_REFUSAL = re.compile(
    r"Read-only file system|Permission denied|Operation not permitted|sandbox|rejected|not allowed|denied", re.I)


def new_id(prefix):
    return "%s_%06d" % (prefix, next(_ids))


def clip(s, n=TRUNC):
    s = s if isinstance(s, str) else json.dumps(s)
    return s if len(s) <= n else s[:n] + "…"


def approx_tokens(text):
    return max(1, len(text) // 4)


# ---------------------------------------------------------------- reading a conversation

# Context the CLIs inject as user text; the prompt is what is left.
_INJECTED = re.compile(
    r"<system-reminder>.*?</system-reminder>|<environment_context>.*?</environment_context>"
    r"|<user_instructions>.*?</user_instructions>|<permissions instructions>.*?</permissions instructions>"
    r"|# AGENTS\.md instructions.*?</INSTRUCTIONS>",
    re.S,
)


def anthropic_view(body):
    """(prompt, assistant_turns, trailing tool results, last user text, cwd) of a Messages request."""
    msgs = body.get("messages") or []
    uses = {}  # tool_use id -> (name, input)
    for m in msgs:
        if m.get("role") == "assistant" and isinstance(m.get("content"), list):
            for b in m["content"]:
                if b.get("type") == "tool_use":
                    uses[b.get("id")] = (b.get("name"), b.get("input"))

    def texts(m):
        c = m.get("content")
        if isinstance(c, str):
            return [c]
        return [b.get("text", "") for b in c or [] if b.get("type") == "text"]

    prompt = ""
    for m in msgs:
        if m.get("role") == "user":
            t = _INJECTED.sub("", "\n".join(texts(m))).strip()
            if t:
                prompt = t
                break
    turns = sum(1 for m in msgs if m.get("role") == "assistant")
    results, last_user = [], ""
    for m in reversed(msgs):
        if m.get("role") == "assistant":
            break
        if m.get("role") != "user":
            continue
        if not last_user:
            last_user = _INJECTED.sub("", "\n".join(texts(m))).strip()
        c = m.get("content")
        for b in c if isinstance(c, list) else []:
            if b.get("type") != "tool_result":
                continue
            content = b.get("content")
            if isinstance(content, list):
                content = "\n".join(x.get("text", "") for x in content if isinstance(x, dict))
            name, inp = uses.get(b.get("tool_use_id"), (None, None))
            refused = bool(b.get("is_error")) and bool(CLAUDE_REFUSAL.search(content or ""))
            results.append({"tool": name, "input": clip(inp, 200), "is_error": bool(b.get("is_error")),
                            "refused": refused, "content": clip(content or "")})
    # Claude Code 2.1 names its cwd in a role "system" message ("Primary working directory: /x").
    system = body.get("system")
    if isinstance(system, list):
        system = "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    env_text = "\n".join([system or ""] + ["\n".join(texts(m)) for m in msgs if m.get("role") == "system"])
    m = re.search(r"[Ww]orking directory: (\S+)", env_text)
    return prompt, turns, results, last_user, (m.group(1) if m else None)


_OUTPUT_ITEMS = {"message", "function_call", "custom_tool_call", "reasoning", "local_shell_call"}


def openai_view(body):
    """(prompt, assistant_turns, trailing tool results, last user text, cwd) of a Responses request."""
    items = body.get("input") or []
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    calls = {}  # call_id -> (name, arguments)

    def text(item):
        c = item.get("content")
        if isinstance(c, str):
            return c
        return "\n".join(p.get("text", "") for p in c or [] if isinstance(p, dict))

    prompt, cwd = "", None
    turns, in_turn = 0, False
    for it in items:
        kind, role = it.get("type", "message"), it.get("role")
        if kind in ("function_call", "custom_tool_call"):
            calls[it.get("call_id")] = (it.get("name"), it.get("arguments") or it.get("input"))
        # One model response can hold several output items; a run of them is one assistant turn.
        is_output = kind in _OUTPUT_ITEMS and not (kind == "message" and role != "assistant")
        if is_output and not in_turn:
            turns += 1
        in_turn = is_output
        if kind == "message" and role == "user":
            t = text(it)
            m = re.search(r"<cwd>(.*?)</cwd>", t)
            cwd = cwd or (m.group(1) if m else None)
            t = _INJECTED.sub("", t).strip()
            if t and not prompt:
                prompt = t
    results, last_user = [], ""
    for it in reversed(items):
        kind, role = it.get("type", "message"), it.get("role")
        if kind in _OUTPUT_ITEMS and not (kind == "message" and role != "assistant"):
            break
        if kind == "message" and role == "user" and not last_user:
            last_user = _INJECTED.sub("", text(it)).strip()
        if kind in ("function_call_output", "custom_tool_call_output"):
            out = it.get("output")
            if isinstance(out, list):
                out = "\n".join(p.get("text", "") for p in out if isinstance(p, dict))
            elif isinstance(out, dict):
                out = out.get("content") or json.dumps(out)
            out = out or ""
            name, args = calls.get(it.get("call_id"), (None, None))
            m = re.search(r"(?:Process exited with code|exit code:?|\"exit_code\":)\s*(-?\d+)", out)
            code = int(m.group(1)) if m else None
            refused = bool(CODEX_REFUSAL.search(out)) and (code is None or code != 0)
            results.append({"tool": name, "input": clip(args, 200), "exit_code": code,
                            "is_error": code not in (None, 0), "refused": refused, "content": clip(out)})
    results.reverse()
    return prompt, turns, results, last_user, cwd


# ---------------------------------------------------------------- choosing the answer

def choose(scenario, prompt, turns):
    """(rule index or 'default', step index, step)."""
    for i, rule in enumerate(scenario.get("rules", [])):
        if re.search(rule["match"], prompt, re.S):
            steps, idx = rule["steps"], i
            break
    else:
        steps, idx = scenario.get("default", {}).get("steps") or [{"text": "no rule matched"}], "default"
    if turns < len(steps):
        return idx, turns, steps[turns]
    # Past the script: end the turn politely rather than loop.
    return idx, turns, {"text": "scenario finished"}


def step_kind(step):
    for k in ("error", "crash", "shell", "write", "text"):
        if k in step:
            return k
    return "text"


ERRORS = {  # status -> (anthropic type, openai type, openai code)
    400: ("invalid_request_error", "invalid_request_error", None),
    401: ("authentication_error", "invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "invalid_request_error", None),
    404: ("not_found_error", "invalid_request_error", "model_not_found"),
    429: ("rate_limit_error", "rate_limit_exceeded", "rate_limit_exceeded"),
    500: ("api_error", "server_error", None),
    529: ("overloaded_error", "server_error", None),
}


def sse(events):
    return "".join("event: %s\ndata: %s\n\n" % (e["type"], json.dumps(e)) for e in events).encode()


# ---------------------------------------------------------------- Anthropic Messages

def anthropic_answer(step, body, cwd, in_tokens):
    """The content blocks and stop reason for a step."""
    kind = step_kind(step)
    if kind == "shell":
        return [{"type": "tool_use", "id": new_id("toolu"), "name": "Bash",
                 "input": {"command": step["shell"], "description": "scripted step"}}], "tool_use"
    if kind == "write":
        w = step["write"]
        path = w["path"]
        if not os.path.isabs(path) and cwd:
            path = os.path.join(cwd, path)
        path = os.path.normpath(path)  # Claude's Write treats "a/../b" as a different, unread file
        if os.path.isabs(path) and not w.get("via_shell"):
            return [{"type": "tool_use", "id": new_id("toolu"), "name": "Write",
                     "input": {"file_path": path, "content": w["content"]}}], "tool_use"
        return [{"type": "tool_use", "id": new_id("toolu"), "name": "Bash",
                 "input": {"command": heredoc(path, w["content"]), "description": "write a file"}}], "tool_use"
    return [{"type": "text", "text": step.get("text", "")}], "end_turn"


def anthropic_stream(blocks, stop, model, usage):
    mid = new_id("msg")
    ev = [{"type": "message_start", "message": {
        "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": 1,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}]
    for i, b in enumerate(blocks):
        if b["type"] == "text":
            ev.append({"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}})
            ev.append({"type": "content_block_delta", "index": i,
                       "delta": {"type": "text_delta", "text": b["text"]}})
        else:
            ev.append({"type": "content_block_start", "index": i,
                       "content_block": {"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}}})
            ev.append({"type": "content_block_delta", "index": i,
                       "delta": {"type": "input_json_delta", "partial_json": json.dumps(b["input"])}})
        ev.append({"type": "content_block_stop", "index": i})
    ev.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
               "usage": {"output_tokens": usage[1]}})
    ev.append({"type": "message_stop"})
    return ev


# ---------------------------------------------------------------- OpenAI Responses

def heredoc(path, content):
    tag = "KITTY_EOF"
    while tag in content:
        tag += "_"
    q = "'" + path.replace("'", "'\\''") + "'"
    body = content if content.endswith("\n") else content + "\n"
    return "mkdir -p \"$(dirname %s)\" && cat > %s <<'%s'\n%s%s" % (q, q, tag, body, tag)


def openai_tool_names(body):
    names = {}
    for t in body.get("tools") or []:
        names[t.get("name") or t.get("type")] = t
    return names


def openai_shell_item(body, cmd):
    tools = openai_tool_names(body)
    cid = new_id("call")
    if "exec_command" in tools:
        return {"type": "function_call", "id": new_id("fc"), "call_id": cid, "name": "exec_command",
                "arguments": json.dumps({"cmd": cmd}), "status": "completed"}
    name = "shell_command" if "shell_command" in tools else "shell"
    args = {"command": cmd} if name == "shell_command" else {"command": ["bash", "-lc", cmd]}
    return {"type": "function_call", "id": new_id("fc"), "call_id": cid, "name": name,
            "arguments": json.dumps(args), "status": "completed"}


def openai_answer(step, body):
    """The output items for a step."""
    kind = step_kind(step)
    if kind == "shell":
        return [openai_shell_item(body, step["shell"])]
    if kind == "write":
        w = step["write"]
        if "apply_patch" in openai_tool_names(body) and not w.get("via_shell"):
            # "Add File" replaces an existing file too (measured with 0.163.0).
            lines = "".join("+" + l + "\n" for l in w["content"].splitlines())
            patch = "*** Begin Patch\n*** Add File: %s\n%s*** End Patch\n" % (w["path"], lines)
            return [{"type": "custom_tool_call", "id": new_id("ctc"), "call_id": new_id("call"),
                     "name": "apply_patch", "input": patch, "status": "completed"}]
        return [openai_shell_item(body, heredoc(w["path"], w["content"]))]
    return [{"type": "message", "id": new_id("msg"), "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": step.get("text", ""), "annotations": []}]}]


def openai_stream(items, model, usage):
    rid = new_id("resp")
    base = {"id": rid, "object": "response", "created_at": int(time.time()), "model": model}
    ev = [{"type": "response.created", "response": dict(base, status="in_progress", output=[])}]
    for i, it in enumerate(items):
        if it["type"] == "message":
            ev.append({"type": "response.output_item.added", "output_index": i,
                       "item": dict(it, status="in_progress", content=[])})
            ev.append({"type": "response.output_text.delta", "item_id": it["id"], "output_index": i,
                       "content_index": 0, "delta": it["content"][0]["text"]})
        else:
            ev.append({"type": "response.output_item.added", "output_index": i, "item": it})
        ev.append({"type": "response.output_item.done", "output_index": i, "item": it})
    ev.append({"type": "response.completed", "response": dict(
        base, status="completed", output=items,
        usage={"input_tokens": usage[0], "input_tokens_details": {"cached_tokens": 0},
               "output_tokens": usage[1], "output_tokens_details": {"reasoning_tokens": 0},
               "total_tokens": usage[0] + usage[1]})})
    return ev


# ---------------------------------------------------------------- HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, with Content-Length on every answer
    server_version = "kitty-model-server"

    def log_message(self, *args):  # the JSONL log is the record; keep stderr quiet
        pass

    def reply(self, status, payload, ctype="application/json", headers=(), cut=None):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", new_id("req"))
        self.send_header("x-request-id", new_id("req"))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if cut is None:
            self.wfile.write(data)
            return
        # crash: promise the whole body, send part of it, then drop the connection.
        self.wfile.write(data[:cut])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.record({"api": "other", "method": "GET", "path": self.path, "status": 404})
        self.reply(404, {"error": {"type": "not_found_error", "message": "not served: " + self.path}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = self.path.split("?")[0]
        self.server.dump(path, body)
        if path.endswith("/messages/count_tokens"):
            self.record({"api": "anthropic", "path": self.path, "kind": "count_tokens"})
            return self.reply(200, {"input_tokens": approx_tokens(raw.decode("utf-8", "replace"))})
        if path.endswith("/messages"):
            return self.anthropic(body, raw)
        if path.endswith("/responses"):
            return self.openai(body, raw)
        self.record({"api": "other", "method": "POST", "path": self.path, "status": 404})
        self.reply(404, {"error": {"type": "not_found_error", "message": "not served: " + self.path}})

    def prepare(self, api, view, body, raw):
        prompt, turns, results, last_user, cwd = view
        rule, step_no, step = choose(self.server.scenario, prompt, turns)
        kind = step_kind(step)
        entry = {"api": api, "path": self.path, "model": body.get("model"), "stream": bool(body.get("stream")),
                 "rule": rule, "step": step_no, "kind": kind, "tool_results": results,
                 "refused": sum(1 for r in results if r["refused"]), "last_user_text": clip(last_user, 300),
                 "prompt": clip(prompt, 200), "cwd": cwd}
        if rule == "default":
            entry["note"] = "no rule matched"
        if step.get("sleep"):
            time.sleep(float(step["sleep"]))
        u = step.get("usage") or {}
        usage = (int(u.get("input", approx_tokens(raw.decode("utf-8", "replace")))),
                 int(u.get("output", approx_tokens(json.dumps(step)))))
        return step, kind, entry, usage, cwd

    def error(self, api, step, entry):
        status = int(step["error"])
        a_type, o_type, o_code = ERRORS.get(status, ("api_error", "server_error", None))
        msg = step.get("message") or "scripted %d" % status
        entry["status"] = status
        self.record(entry)
        if api == "anthropic":
            return self.reply(status, {"type": "error", "error": {"type": a_type, "message": msg}})
        return self.reply(status, {"error": {"message": msg, "type": o_type, "param": None, "code": o_code}})

    def anthropic(self, body, raw):
        step, kind, entry, usage, cwd = self.prepare("anthropic", anthropic_view(body), body, raw)
        if kind == "error":
            return self.error("anthropic", step, entry)
        blocks, stop = anthropic_answer(step, body, cwd, usage[0])
        # A request without tools is a side query (titles, summaries): it gets text, never a tool call.
        if not body.get("tools") and stop == "tool_use":
            blocks, stop = [{"type": "text", "text": "ok"}], "end_turn"
            entry["note"] = "side request without tools"
        entry["answer"] = clip(blocks, 300)
        model = body.get("model") or "claude"
        if body.get("stream"):
            data = sse(anthropic_stream(blocks, stop, model, usage))
            entry["status"] = 200
            self.record(entry)
            return self.reply(200, data, "text/event-stream", cut=len(data) // 3 if kind == "crash" else None)
        entry["status"] = 200
        self.record(entry)
        if kind == "crash":
            return self.reply(200, b'{"id": "msg', cut=5)
        return self.reply(200, {"id": new_id("msg"), "type": "message", "role": "assistant", "model": model,
                                "content": blocks, "stop_reason": stop, "stop_sequence": None,
                                "usage": {"input_tokens": usage[0], "output_tokens": usage[1],
                                          "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}})

    def openai(self, body, raw):
        step, kind, entry, usage, _ = self.prepare("openai", openai_view(body), body, raw)
        if kind == "error":
            return self.error("openai", step, entry)
        items = openai_answer(step, body)
        entry["answer"] = clip(items, 300)
        entry["status"] = 200
        self.record(entry)
        data = sse(openai_stream(items, body.get("model") or "gpt", usage))
        self.reply(200, data, "text/event-stream", cut=len(data) // 3 if kind == "crash" else None)

    def record(self, entry):
        entry = dict({"time": time.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (time.time() % 1 * 1000)}, **entry)
        line = json.dumps(entry, ensure_ascii=False)
        with _log_lock:
            if self.server.log_path:
                with open(self.server.log_path, "a") as f:
                    f.write(line + "\n")
            else:
                print(line, file=sys.stderr, flush=True)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, scenario, log_path, dump_dir):
        super().__init__(("127.0.0.1", port), Handler)
        self.scenario, self.log_path, self.dump_dir = scenario, log_path, dump_dir
        self._dumps = itertools.count(1)

    def dump(self, path, body):
        """Keeps whole request bodies when --dump-dir is given (to study what a CLI sends)."""
        if self.dump_dir:
            name = "%04d-%s.json" % (next(self._dumps), path.strip("/").replace("/", "_"))
            with open(os.path.join(self.dump_dir, name), "w") as f:
                json.dump(body, f, indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scenario", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--dump-dir")
    p.add_argument("--max-lifetime", type=float, default=7200, help="seconds before the server stops itself")
    a = p.parse_args()
    with open(a.scenario) as f:
        scenario = json.load(f)
    if a.dump_dir:
        os.makedirs(a.dump_dir, exist_ok=True)
    srv = Server(a.port, scenario, a.log, a.dump_dir)
    port = srv.server_address[1]
    if a.port_file:  # written atomically, so a reader never sees half a number
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(a.port_file + ".tmp", a.port_file)
    print("model_server listening on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    threading.Timer(a.max_lifetime, srv.shutdown).start() if a.max_lifetime > 0 else None
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.server_close()
    os._exit(0)  # the lifetime timer thread must not keep the process alive


if __name__ == "__main__":
    main()
