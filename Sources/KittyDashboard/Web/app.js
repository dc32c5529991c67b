// git kitty dashboard: a plain-JavaScript single page over the JSON endpoints and the /api/events stream.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const pageToken = document.querySelector('meta[name="kitty-page-token"]').content;
  const actionsOn = document.querySelector('meta[name="kitty-actions"]').content === "true";
  const LANES = ["planned", "claimed", "in_progress", "for_review", "in_review", "approved", "done", "blocked", "canceled"];
  const main = document.getElementById("main");
  const runPanel = document.getElementById("run");
  const crumbs = document.getElementById("crumbs");
  const live = document.getElementById("live");
  const state = { route: null, board: null, lanesByWP: {}, tab: "board", wpTab: "overview", log: null, timer: null };

  // ---- helpers ----
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function api(path, options) {
    const url = path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
    return fetch(url, Object.assign({ headers: { "X-Kitty-Token": token }, cache: "no-store" }, options || {})).then((r) =>
      r.json().then((body) => { if (!r.ok) throw new Error(body.error || r.statusText); return body; }));
  }
  function el(html) { const t = document.createElement("template"); t.innerHTML = html.trim(); return t.content.firstElementChild; }
  function duration(seconds) {
    if (seconds == null) return "–";
    const s = Math.round(seconds);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  }
  function cost(usd, tokens) {
    if (usd != null) return "$" + Number(usd).toFixed(usd < 1 ? 4 : 2);
    return tokens ? tokens.toLocaleString() + " tok" : "–";
  }
  function laneLabel(lane) { return lane.replace("_", " "); }
  function laneColor(lane) { return "var(--" + lane + ", var(--planned))"; }
  function toast(text) {
    const t = el('<div class="toast"></div>'); t.textContent = text; document.body.appendChild(t);
    setTimeout(() => t.remove(), 4000);
  }
  function setCrumbs(parts) {
    crumbs.innerHTML = parts.map((p) => (p.href ? '<a href="' + p.href + '">' + esc(p.text) + "</a>" : esc(p.text))).join('<span class="sep">/</span>');
  }
  function laneBar(lanes, total) {
    return '<div class="bar">' + LANES.filter((l) => lanes[l]).map((l) => {
      return '<span data-lane="' + l + '" data-width="' + (100 * lanes[l] / Math.max(total, 1)) + '"></span>';
    }).join("") + "</div>";
  }
  function paintBars(root) {
    root.querySelectorAll(".bar span").forEach((s) => { s.style.width = s.dataset.width + "%"; s.style.background = laneColor(s.dataset.lane); });
    root.querySelectorAll("[data-lane-color]").forEach((s) => { s.style.background = laneColor(s.dataset.laneColor); });
    root.querySelectorAll("[data-lane-border]").forEach((s) => { s.style.borderLeftColor = laneColor(s.dataset.laneBorder); });
  }

  // ---- routing ----
  function parseRoute() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "m" && parts[1] && parts[2] === "wp" && parts[3]) return { view: "wp", mission: parts[1], wp: parts[3] };
    if (parts[0] === "m" && parts[1]) return { view: "board", mission: parts[1] };
    return { view: "missions" };
  }
  function render() {
    state.route = parseRoute();
    state.log = null;
    if (state.route.view === "missions") return renderMissions();
    if (state.route.view === "board") return renderBoard(true);
    return renderWP();
  }
  window.addEventListener("hashchange", render);

  // ---- missions ----
  function renderMissions() {
    setCrumbs([{ text: "missions" }]);
    return api("/api/missions").then((data) => {
      if (state.route.view !== "missions") return;
      if (!data.missions.length) { main.innerHTML = '<p class="muted">No missions in kitty-specs/ yet.</p>'; return; }
      main.innerHTML = '<h2>Missions</h2><div class="missions">' + data.missions.map((m) => {
        const pct = m.total ? Math.round(100 * m.done / m.total) : 0;
        return '<a class="mission" href="#/m/' + encodeURIComponent(m.slug) + '"><div class="slug">' + esc(m.slug) + '</div>' +
          '<div class="muted">' + esc(m.title || "") + (m.target_branch ? " → " + esc(m.target_branch) : "") + "</div>" +
          laneBar(m.lanes || {}, m.total) + '<div class="legend"><span>' + m.done + " / " + m.total + " done (" + pct + "%)</span>" +
          LANES.filter((l) => (m.lanes || {})[l]).map((l) => '<span><i data-lane-color="' + l + '"></i>' + laneLabel(l) + " " + m.lanes[l] + "</span>").join("") +
          "</div></a>";
      }).join("") + "</div>";
      paintBars(main);
    }).catch(showError);
  }

  // ---- board ----
  function cardHTML(wp) {
    const meta = [];
    if (wp.agent) meta.push('<span class="pill">' + esc(wp.agent) + (wp.role ? " · " + esc(wp.role) : "") + "</span>");
    if (wp.attempt) meta.push('<span class="pill" title="attempt">#' + wp.attempt + "</span>");
    if (wp.cycle) meta.push('<span class="pill" title="review cycle">review ' + wp.cycle + "</span>");
    if (wp.elapsed_seconds != null) meta.push('<span class="pill" title="elapsed">' + duration(wp.elapsed_seconds) + "</span>");
    const spend = cost(wp.cost_usd, (wp.input_tokens || 0) + (wp.output_tokens || 0));
    if (spend !== "–") meta.push('<span class="pill" title="cost / tokens">' + spend + "</span>");
    if (wp.alive) meta.push('<span class="pill"><span class="dot alive"></span>pid ' + wp.pid + "</span>");
    return '<a class="card" id="card-' + esc(wp.id) + '" data-wp="' + esc(wp.id) + '" data-lane-border="' + esc(wp.lane) + '" href="#/m/' +
      encodeURIComponent(state.route.mission) + "/wp/" + encodeURIComponent(wp.id) + '">' +
      '<div class="id">' + esc(wp.id) + '</div><div class="title">' + esc(wp.title) + "</div>" +
      '<div class="meta">' + meta.join("") + "</div>" +
      (wp.dependencies.length ? '<div class="deps">needs ' + wp.dependencies.map(esc).join(", ") + "</div>" : "") +
      (wp.last_error ? '<div class="err" title="' + esc(wp.last_error) + '">' + esc(wp.last_error) + "</div>" : "") + "</a>";
  }
  function renderBoard(fresh) {
    const mission = state.route.mission;
    setCrumbs([{ text: "missions", href: "#/" }, { text: mission }]);
    return api("/api/missions/" + encodeURIComponent(mission) + "/board").then((board) => {
      if (state.route.view !== "board" || state.route.mission !== mission) return;
      const previous = state.lanesByWP;
      state.board = board;
      state.lanesByWP = {};
      board.work_packages.forEach((wp) => { state.lanesByWP[wp.id] = wp.lane; });
      const pct = board.total ? Math.round(100 * board.done / board.total) : 0;
      main.innerHTML = '<div class="headline"><h1>' + esc(board.title || board.slug) + '</h1><span class="muted mono">' + esc(board.slug) +
        "</span><span class=\"pill\">" + board.done + " / " + board.total + " done · " + pct + "%</span>" +
        (board.target_branch ? '<span class="pill">→ ' + esc(board.target_branch) + "</span>" : "") + "</div>" +
        laneBar(board.lanes, board.total) +
        '<div class="tabs"><button data-tab="board">Board</button><button data-tab="graph">Dependency graph</button></div><div id="view"></div>';
      main.querySelectorAll(".tabs button").forEach((b) => {
        b.classList.toggle("active", b.dataset.tab === state.tab);
        b.onclick = () => { state.tab = b.dataset.tab; renderBoard(false); };
      });
      const view = document.getElementById("view");
      if (state.tab === "graph") view.appendChild(graphSVG(board)); else view.appendChild(boardHTML(board));
      paintBars(main);
      if (!fresh) board.work_packages.forEach((wp) => {
        if (previous[wp.id] && previous[wp.id] !== wp.lane) { const c = document.getElementById("card-" + wp.id); if (c) c.classList.add("moved"); }
      });
    }).catch(showError);
  }
  function boardHTML(board) {
    const byLane = {};
    LANES.forEach((l) => { byLane[l] = []; });
    board.work_packages.forEach((wp) => { (byLane[wp.lane] || (byLane[wp.lane] = [])).push(wp); });
    const root = el('<div class="board"></div>');
    Object.keys(byLane).forEach((lane) => {
      const wps = byLane[lane];
      if (!wps.length && (lane === "blocked" || lane === "canceled")) return;
      const column = el('<section class="column' + (wps.length ? "" : " empty") + '" data-lane="' + lane + '"><header><span><span class="dot" data-lane-color="' +
        lane + '"></span>' + laneLabel(lane) + '</span><span class="count">' + wps.length + '</span></header><div class="cards"></div></section>');
      column.querySelector(".cards").innerHTML = wps.map(cardHTML).join("");
      root.appendChild(column);
    });
    return root;
  }
  // Layered layout: a WP sits one layer right of its deepest dependency; edges are curves from left to right.
  function graphSVG(board) {
    const wps = board.work_packages;
    const byID = {};
    wps.forEach((wp) => { byID[wp.id] = wp; });
    const depth = {};
    function layer(id, seen) {
      if (depth[id] != null) return depth[id];
      if (seen[id]) return 0;
      seen[id] = true;
      const deps = (byID[id] ? byID[id].dependencies : []).filter((d) => byID[d]);
      depth[id] = deps.length ? 1 + Math.max.apply(null, deps.map((d) => layer(d, seen))) : 0;
      return depth[id];
    }
    wps.forEach((wp) => layer(wp.id, {}));
    const layers = [];
    wps.forEach((wp) => { (layers[depth[wp.id]] = layers[depth[wp.id]] || []).push(wp.id); });
    const W = 150, H = 44, GX = 70, GY = 16, pos = {};
    layers.forEach((ids, x) => ids.forEach((id, y) => { pos[id] = { x: 20 + x * (W + GX), y: 20 + y * (H + GY) }; }));
    const width = 40 + layers.length * (W + GX) - GX, height = 40 + Math.max.apply(null, layers.map((l) => l.length)) * (H + GY) - GY;
    const ns = "http://www.w3.org/2000/svg";
    let edges = "", nodes = "";
    wps.forEach((wp) => wp.dependencies.forEach((d) => {
      if (!pos[d]) return;
      const a = pos[d], b = pos[wp.id], x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      edges += '<path class="edge" marker-end="url(#arrow)" d="M' + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + (x2 - 4) + "," + y2 + '"/>';
    }));
    wps.forEach((wp) => {
      const p = pos[wp.id];
      nodes += '<a class="node" href="#/m/' + encodeURIComponent(state.route.mission) + "/wp/" + encodeURIComponent(wp.id) + '" data-wp="' + esc(wp.id) + '">' +
        '<rect x="' + p.x + '" y="' + p.y + '" width="' + W + '" height="' + H + '" data-lane="' + esc(wp.lane) + '"/>' +
        '<text x="' + (p.x + 10) + '" y="' + (p.y + 18) + '" font-weight="700">' + esc(wp.id) + "</text>" +
        '<text x="' + (p.x + 10) + '" y="' + (p.y + 34) + '" class="sub">' + esc(laneLabel(wp.lane)) + " · " + esc((wp.title || "").slice(0, 12)) + "</text></a>";
    });
    const svg = '<svg xmlns="' + ns + '" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + " " + height + '">' +
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5a6378"/></marker></defs>' +
      edges + nodes + "</svg>";
    const box = el('<div class="graph"></div>');
    box.innerHTML = svg;
    box.querySelectorAll("rect[data-lane]").forEach((r) => {
      const color = getComputedStyle(document.documentElement).getPropertyValue("--" + r.dataset.lane).trim() || "#565f89";
      r.setAttribute("stroke", color);
      r.setAttribute("fill", color + "22");
    });
    return box;
  }

  // ---- WP page ----
  function markdown(text) {
    const out = [];
    let code = null;
    text.split("\n").forEach((line) => {
      if (/^```/.test(line)) {
        if (code) { out.push("<pre><code>" + esc(code.join("\n")) + "</code></pre>"); code = null; } else code = [];
        return;
      }
      if (code) { code.push(line); return; }
      const h = line.match(/^(#{1,3})\s+(.*)/);
      if (h) out.push("<h" + h[1].length + ">" + esc(h[2]) + "</h" + h[1].length + ">");
      else if (/^\s*[-*]\s+/.test(line)) out.push("<p>• " + inline(line.replace(/^\s*[-*]\s+/, "")) + "</p>");
      else if (line.trim()) out.push("<p>" + inline(line) + "</p>");
    });
    if (code) out.push("<pre><code>" + esc(code.join("\n")) + "</code></pre>");
    return out.join("");
  }
  function inline(text) { return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>"); }
  function renderWP() {
    const { mission, wp } = state.route;
    setCrumbs([{ text: "missions", href: "#/" }, { text: mission, href: "#/m/" + encodeURIComponent(mission) }, { text: wp }]);
    return api("/api/missions/" + encodeURIComponent(mission) + "/wps/" + encodeURIComponent(wp)).then((page) => {
      if (state.route.view !== "wp" || state.route.wp !== wp) return;
      const c = page.card;
      main.innerHTML = '<div class="headline"><h1>' + esc(c.id) + " · " + esc(c.title) + '</h1><span class="pill lane" data-lane-color="' + esc(c.lane) +
        '">' + esc(laneLabel(c.lane)) + "</span>" + (c.agent ? '<span class="pill">' + esc(c.agent) + (c.role ? " · " + esc(c.role) : "") + "</span>" : "") +
        (c.attempt ? '<span class="pill">attempt ' + c.attempt + "</span>" : "") +
        (c.cost_usd != null || c.input_tokens + c.output_tokens ? '<span class="pill">' + cost(c.cost_usd, c.input_tokens + c.output_tokens) + "</span>" : "") +
        (c.dependencies.length ? '<span class="muted">needs ' + c.dependencies.map((d) => '<a href="#/m/' + encodeURIComponent(mission) + "/wp/" + esc(d) + '">' + esc(d) + "</a>").join(", ") + "</span>" : "") +
        "</div>" + (c.last_error ? '<div class="box err">' + esc(c.last_error) + "</div>" : "") + actionsHTML(c) +
        '<div class="tabs"><button data-tab="overview">Overview</button><button data-tab="logs">Logs (' + page.logs.length + ')</button><button data-tab="diff">Diff</button></div><div id="view"></div>';
      main.querySelectorAll(".pill.lane").forEach((p) => { p.style.color = "#0f1218"; p.style.background = laneColor(c.lane); });
      main.querySelectorAll(".tabs button").forEach((b) => {
        b.classList.toggle("active", b.dataset.tab === state.wpTab);
        b.onclick = () => { state.wpTab = b.dataset.tab; renderWP(); };
      });
      wireActions(c);
      const view = document.getElementById("view");
      if (state.wpTab === "logs") return renderLogs(view, page);
      if (state.wpTab === "diff") return renderDiff(view);
      view.innerHTML = '<div class="grid2"><div><div class="box"><h2>Work package</h2><div class="prose">' + markdown(page.text) + "</div></div></div><div>" +
        '<div class="box"><h2>Reviews</h2>' + (page.reviews.length ? page.reviews.map((r) =>
          '<div class="review ' + esc(r.verdict) + '"><b>cycle ' + r.cycle + '</b> · <span class="verdict-' + esc(r.verdict) + '">' + esc(String(r.verdict).replace("_", " ")) +
          "</span> · " + esc(r.reviewer) + ' <span class="muted">' + esc(r.at) + "</span>" +
          (r.feedback || r.note ? "<blockquote>" + esc(r.feedback || r.note) + "</blockquote>" : "") + '<div class="muted mono">' + esc(r.reference) + "</div></div>").join("")
          : '<p class="muted">No review yet.</p>') + "</div>" +
        '<div class="box"><h2>History</h2><table class="events"><tr><th>at</th><th>move</th><th>actor</th></tr>' + page.events.map((e) =>
          '<tr><td class="mono muted when" title="' + esc(e.at) + '">' + esc(e.at.slice(11, 19)) + "</td><td>" + esc(laneLabel(e.from)) + " → <b>" + esc(laneLabel(e.to)) + "</b>" +
          (e.force ? ' <span class="pill">forced</span>' : "") + (e.reason ? '<div class="muted">' + esc(e.reason) + "</div>" : "") + "</td><td>" + esc(e.actor) + "</td></tr>").join("") +
        "</table></div></div></div>";
      paintBars(main);
    }).catch(showError);
  }
  function actionsHTML(c) {
    if (!actionsOn) return "";
    return '<div class="box actions"><button class="approve" data-act="approve">Approve</button>' +
      '<button class="reject" data-act="request-changes">Request changes</button><textarea id="feedback" placeholder="Feedback for the implementer"></textarea></div>';
  }
  function wireActions(c) {
    main.querySelectorAll("[data-act]").forEach((b) => {
      b.onclick = () => {
        const body = b.dataset.act === "request-changes" ? { feedback: document.getElementById("feedback").value } : {};
        act("/api/missions/" + encodeURIComponent(state.route.mission) + "/wps/" + encodeURIComponent(c.id) + "/" + b.dataset.act, body);
      };
    });
  }
  function act(path, body) {
    api(path, { method: "POST", headers: { "X-Kitty-Token": token, "X-Kitty-Page-Token": pageToken, "Content-Type": "application/json" }, body: JSON.stringify(body || {}) })
      .then(() => toast("done")).catch((e) => toast(e.message));
  }
  function renderDiff(view) {
    view.innerHTML = '<p class="muted">Loading diff…</p>';
    api("/api/missions/" + encodeURIComponent(state.route.mission) + "/wps/" + encodeURIComponent(state.route.wp) + "/diff").then((d) => {
      if (!d.exists) { view.innerHTML = '<p class="muted">No lane branch to compare' + (d.lane_branch ? " (" + esc(d.lane_branch) + " is merged or gone)" : "") + ".</p>"; return; }
      const lines = d.diff.split("\n").map((l) => {
        const cls = l.startsWith("+++") || l.startsWith("---") || l.startsWith("diff ") ? "file" : l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : "";
        return cls ? '<span class="' + cls + '">' + esc(l) + "</span>" : esc(l);
      });
      const from = { review_branch: " (the lane is merged: its last review branch)", lane_merge: " (the lane is merged: its merge commit)", mission_merge: " (the lane is merged: the mission's merge commit, every WP)" }[d.source] || "";
      view.innerHTML = '<div class="box"><h2>' + esc(d.shown || d.lane_branch) + " against " + esc(d.base) + esc(from) + "</h2><pre class=\"diff\">" + esc(d.stat) + "</pre></div>" +
        '<pre class="diff">' + lines.join("\n") + "</pre>" + (d.truncated ? '<p class="muted">(cut at 1 MiB)</p>' : "");
    }).catch(showError);
  }

  // ---- logs: a tail that follows, and older pages on demand ----
  function renderLogs(view, page) {
    if (!page.logs.length) { view.innerHTML = '<p class="muted">No agent logs for this WP yet.</p>'; return; }
    const names = page.logs.map((l) => l.name);
    const chosen = state.logName && names.includes(state.logName) ? state.logName : names.filter((n) => n.endsWith(".log")).pop() || names[names.length - 1];
    view.innerHTML = '<div class="logbar"><select id="logname">' + names.map((n) => '<option value="' + esc(n) + '"' + (n === chosen ? " selected" : "") + ">" + esc(n) + "</option>").join("") +
      '</select><button id="older">Load older</button><label><input type="checkbox" id="follow" checked> follow</label><span id="logsize" class="muted"></span></div><pre class="log" id="log"></pre>';
    document.getElementById("logname").onchange = (e) => { state.logName = e.target.value; renderLogs(view, page); };
    state.logName = chosen;
    state.log = { mission: state.route.mission, wp: state.route.wp, name: chosen, start: 0, end: 0, busy: false };
    const base = "/api/missions/" + encodeURIComponent(state.route.mission) + "/wps/" + encodeURIComponent(state.route.wp) + "/logs/" + encodeURIComponent(chosen);
    state.log.base = base;
    api(base + "?limit=65536").then((p) => {
      state.log.start = p.offset; state.log.end = p.next_offset;
      append(p.text); document.getElementById("logsize").textContent = (p.size / 1024).toFixed(1) + " KiB";
      document.getElementById("older").disabled = p.offset === 0;
    });
    document.getElementById("older").onclick = () => {
      const from = Math.max(0, state.log.start - 65536);
      api(base + "?offset=" + from + "&limit=" + (state.log.start - from)).then((p) => {
        const pre = document.getElementById("log");
        pre.textContent = p.text + pre.textContent; state.log.start = from;
        document.getElementById("older").disabled = from === 0;
      });
    };
  }
  function append(text) {
    const pre = document.getElementById("log");
    if (!pre) return;
    pre.appendChild(document.createTextNode(text));
    if (document.getElementById("follow").checked) pre.scrollTop = pre.scrollHeight;
  }
  function followLog() {
    const log = state.log;
    if (!log || log.busy) return;
    log.busy = true;
    api(log.base + "?offset=" + log.end + "&limit=262144").then((p) => {
      log.busy = false;
      if (state.log !== log) return;
      if (p.next_offset > log.end) { log.end = p.next_offset; append(p.text); }
      document.getElementById("logsize").textContent = (p.size / 1024).toFixed(1) + " KiB";
      if (p.next_offset < p.size) followLog();
    }).catch(() => { log.busy = false; });
  }

  // ---- run panel ----
  function renderRun() {
    return api("/api/run").then((data) => {
      const run = data.run;
      if (!run) { runPanel.innerHTML = '<h2>Run</h2><p class="muted">No orchestrator run in this repository yet.</p>'; return; }
      const t = run.totals;
      runPanel.innerHTML = '<h2>Run</h2><div><span class="pill state-' + esc(run.state) + '">' + esc(run.state) + '</span> <span class="muted mono">' + esc(run.run_id.slice(-10)) + "</span></div>" +
        '<dl class="kv"><dt>mission</dt><dd><a href="#/m/' + encodeURIComponent(run.mission) + '">' + esc(run.mission) + "</a></dd>" +
        "<dt>orchestrator</dt><dd>" + (run.orchestrator_alive ? '<span class="dot alive"></span>pid ' + run.pid : "pid " + run.pid + " (gone)") + "</dd>" +
        "<dt>agents alive</dt><dd>" + run.agents_alive + "</dd><dt>cost</dt><dd>" + cost(t.cost_usd, 0) + "</dd>" +
        "<dt>tokens in / out</dt><dd>" + t.input_tokens.toLocaleString() + " / " + t.output_tokens.toLocaleString() + "</dd>" +
        "<dt>wall time</dt><dd>" + duration(t.wall_seconds) + "</dd><dt>agent time</dt><dd>" + duration(t.agent_seconds) + "</dd></dl>" +
        (run.summary ? '<p class="muted">' + esc(run.summary) + "</p>" : "") +
        '<h2>Work packages</h2><ul class="agents">' + run.work_packages.map((w) =>
          '<li><span><span class="dot' + (w.alive ? " alive" : "") + '"></span><a href="#/m/' + encodeURIComponent(run.mission) + "/wp/" + esc(w.id) + '">' + esc(w.id) + "</a> " +
          '<span class="muted">' + esc(w.phase) + "</span></span><span class=\"muted\">" + (w.pid ? "pid " + w.pid + " · " : "") + esc(w.agent || "") + " · " + duration(w.elapsed_seconds) + "</span></li>").join("") + "</ul>" +
        (actionsOn ? '<div class="actions"><button class="abort" data-run="abort">Abort run</button><button data-run="resume">Resume</button></div>' : "");
      runPanel.querySelectorAll("[data-run]").forEach((b) => { b.onclick = () => act("/api/run/" + b.dataset.run, {}); });
    }).catch(() => {});
  }

  // ---- live updates ----
  function connect() {
    const source = new EventSource("/api/events?token=" + encodeURIComponent(token));
    source.addEventListener("hello", () => { live.textContent = "● live"; live.className = "live on"; });
    source.onerror = () => { live.textContent = "● reconnecting"; live.className = "live off"; };
    source.addEventListener("change", (e) => {
      const changes = JSON.parse(e.data).changes;
      const route = state.route;
      let board = false, missions = false, wp = false, run = false;
      changes.forEach((c) => {
        if (c.kind === "run") run = true;
        if (c.kind === "missions") missions = true;
        if (c.kind === "mission" && route.mission === c.mission) { board = true; wp = true; }
        if (c.kind === "log" && state.log && c.mission === state.log.mission && c.wp === state.log.wp && c.name === state.log.name) followLog();
        if (c.kind === "log" && route.view === "wp" && c.mission === route.mission && c.wp === route.wp && !state.log) wp = true;
      });
      if (run) { renderRun(); if (route.view === "board") board = true; }
      if (route.view === "missions" && (missions || run)) renderMissions();
      if (route.view === "board" && board) renderBoard(false);
      if (route.view === "wp" && wp && state.wpTab === "overview") renderWP();
    });
  }
  function showError(error) { main.innerHTML = '<div class="box err">' + esc(error.message) + "</div>"; }

  // Elapsed times tick between updates.
  setInterval(() => { if (state.route && state.route.view !== "wp") renderRun(); }, 5000);
  render();
  renderRun();
  connect();
})();
