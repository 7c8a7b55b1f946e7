// Explorer: reads the indexer's GraphQL (through the demo server's /api/graphql proxy) every few
// seconds and draws the leaderboard, the recent jobs and a plain-SVG chart. No dependencies.
(function () {
  "use strict";
  var QUERY =
    "{ miners(orderBy: \"reputation\", orderDirection: \"desc\", limit: 20) { items { id reputation activeStake jobsServed jobsAgreed livenessFaults outlierFaults feesEarned pohEarned } }" +
    "  jobs(orderBy: \"id\", orderDirection: \"desc\", limit: 200) { items { id status verdict result commitCount revealCount committeeSize latencyBlocks latencySeconds requestTime failureReason } } }";
  var SVG = "http://www.w3.org/2000/svg";
  var status = document.getElementById("explorer-status");

  function fmtUnits(wei, digits) {
    var n = Number(BigInt(wei) / 10n ** 12n) / 1e6;
    return n.toLocaleString(undefined, { maximumFractionDigits: digits });
  }
  function short(a) { return a.slice(0, 8) + "…" + a.slice(-4); }

  function fill(tbody, rows) {
    tbody.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      row.cells.forEach(function (c, i) {
        var td = document.createElement("td");
        td.textContent = c;
        if (row.classes && row.classes[i]) td.className = row.classes[i];
        tr.appendChild(td);
      });
      if (row.id) tr.setAttribute("data-id", row.id);
      tbody.appendChild(tr);
    });
  }

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawChart(jobs) {
    var svg = document.getElementById("chart");
    svg.textContent = "";
    var W = 960, H = 260, L = 48, R = 48, T = 14, B = 30;
    if (jobs.length === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no jobs yet"));
      return;
    }
    var times = jobs.map(function (j) { return Number(j.requestTime); });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    var buckets = Math.max(1, Math.min(30, Math.ceil((t1 - t0 + 1) / 2)));
    var width = (t1 - t0 + 1) / buckets;
    var counts = new Array(buckets).fill(0), latSum = new Array(buckets).fill(0), latN = new Array(buckets).fill(0);
    jobs.forEach(function (j) {
      var b = Math.min(buckets - 1, Math.floor((Number(j.requestTime) - t0) / width));
      counts[b]++;
      if (j.latencySeconds !== null && j.latencySeconds !== undefined) { latSum[b] += j.latencySeconds; latN[b]++; }
    });
    var maxCount = Math.max.apply(null, counts) || 1;
    var lat = latSum.map(function (s, i) { return latN[i] ? s / latN[i] : null; });
    var maxLat = Math.max(1, Math.max.apply(null, lat.map(function (v) { return v || 0; })));
    var plotW = W - L - R, plotH = H - T - B, bw = plotW / buckets;
    svg.appendChild(el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#99a" }));
    svg.appendChild(el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#99a" }));
    svg.appendChild(el("line", { x1: W - R, y1: T, x2: W - R, y2: H - B, stroke: "#99a" }));
    svg.appendChild(el("text", { x: L - 6, y: T + 8, "text-anchor": "end" }, String(maxCount)));
    svg.appendChild(el("text", { x: L - 6, y: H - B, "text-anchor": "end" }, "0"));
    svg.appendChild(el("text", { x: W - R + 6, y: T + 8 }, maxLat.toFixed(0) + " s"));
    svg.appendChild(el("text", { x: W - R + 6, y: H - B }, "0 s"));
    svg.appendChild(el("text", { x: L, y: H - 8 }, new Date(t0 * 1000).toLocaleTimeString()));
    svg.appendChild(el("text", { x: W - R, y: H - 8, "text-anchor": "end" }, new Date(t1 * 1000).toLocaleTimeString()));
    counts.forEach(function (c, i) {
      var h = (c / maxCount) * plotH;
      var bar = el("rect", { x: L + i * bw + 1, y: H - B - h, width: Math.max(1, bw - 2), height: h, fill: "#9db0e8" });
      bar.appendChild(el("title", {}, c + " jobs"));
      svg.appendChild(bar);
    });
    var points = [];
    lat.forEach(function (v, i) { if (v !== null) points.push((L + (i + 0.5) * bw).toFixed(1) + "," + (H - B - (v / maxLat) * plotH).toFixed(1)); });
    if (points.length) svg.appendChild(el("polyline", { points: points.join(" "), fill: "none", stroke: "#d9822b", "stroke-width": 2 }));
    points.forEach(function (p) {
      var xy = p.split(",");
      svg.appendChild(el("circle", { cx: xy[0], cy: xy[1], r: 3, fill: "#d9822b" }));
    });
  }

  function render(data) {
    var miners = data.miners.items, jobs = data.jobs.items;
    fill(document.querySelector("#miners tbody"), miners.map(function (m, i) {
      return {
        id: m.id,
        cells: [String(i + 1), short(m.id), (m.reputation / 10).toFixed(1) + "%", fmtUnits(m.activeStake, 0), String(m.jobsServed), String(m.jobsAgreed),
          String(m.livenessFaults + m.outlierFaults), fmtUnits(m.feesEarned, 6), fmtUnits(m.pohEarned, 2)],
      };
    }));
    fill(document.querySelector("#jobs tbody"), jobs.slice(0, 25).map(function (j) {
      var verdict = j.verdict === null || j.verdict === undefined ? "—" : j.verdict ? "human" : "bot";
      var st = j.status === "failed" ? "failed (" + j.failureReason + ")" : j.status;
      return {
        id: String(j.id),
        cells: [String(j.id), st, verdict, j.result === null ? "—" : String(j.result), j.commitCount + "/" + j.committeeSize,
          j.revealCount + "/" + j.committeeSize, j.latencyBlocks === null ? "—" : String(j.latencyBlocks), j.latencySeconds === null ? "—" : String(j.latencySeconds)],
        classes: [null, j.status === "failed" ? "failed" : null, verdict === "human" ? "human" : verdict === "bot" ? "bot" : null],
      };
    }));
    drawChart(jobs);
  }

  function refresh() {
    fetch("/api/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: QUERY }) })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        if (!r.ok || r.body.errors) throw new Error((r.body.errors && r.body.errors[0].message) || r.body.error || "indexer error");
        render(r.body.data);
        status.className = "status human";
        status.setAttribute("data-state", "ok");
        status.textContent = "Live from the indexer · " + r.body.data.jobs.items.length + " recent jobs · " + r.body.data.miners.items.length + " miners · updated " + new Date().toLocaleTimeString();
      })
      .catch(function (err) {
        status.className = "status error";
        status.setAttribute("data-state", "error");
        status.textContent = "Indexer unavailable: " + err.message;
      });
  }

  refresh();
  setInterval(refresh, 3000);
})();
