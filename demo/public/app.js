// The sign-up page: records telemetry with the PoH collector and, on submit, asks the site's
// server (POST /api/verify) for an on-chain verdict. The form fields never leave the page here.
(function () {
  "use strict";
  var form = document.getElementById("signup");
  var button = document.getElementById("submit");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var history = document.querySelector("#history tbody");
  var submissions = 0;

  PohCollector.start();

  function setStatus(state, text) {
    status.className = "status " + state;
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  function short(hash) {
    return hash ? hash.slice(0, 10) + "…" + hash.slice(-6) : "";
  }

  function addRow(cells, attrs) {
    var tr = document.createElement("tr");
    Object.keys(attrs).forEach(function (k) { tr.setAttribute(k, attrs[k]); });
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.textContent = c;
      tr.appendChild(td);
    });
    history.insertBefore(tr, history.firstChild);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var n = ++submissions;
    var events = PohCollector.eventCount();
    button.disabled = true;
    setStatus("pending", "Verifying " + events + " events on PoH Network… (request → commit → reveal → final)");
    PohCollector.send("/api/verify")
      .then(function (r) {
        var human = r.verdict === "human";
        setStatus(human ? "human" : "bot", human
          ? "Verified human — account created."
          : "Looks automated — sign-up refused.");
        document.getElementById("verdict").textContent = human ? "human" : "bot";
        document.getElementById("verdict").setAttribute("data-verdict", r.verdict);
        document.getElementById("score").textContent = (r.scoreBps / 100).toFixed(2) + "% human";
        document.getElementById("job-id").textContent = r.jobId;
        document.getElementById("latency").textContent = r.latencyBlocks + " blocks, " + (r.latencyMs / 1000).toFixed(1) + " s";
        document.getElementById("tx-request").textContent = r.txHashes.request;
        document.getElementById("tx-final").textContent = r.txHashes.final;
        result.hidden = false;
        addRow([String(n), r.jobId, r.verdict, String(r.scoreBps), String(r.latencyBlocks), (r.latencyMs / 1000).toFixed(1)], {
          "data-job-id": r.jobId,
          "data-verdict": r.verdict,
          "data-submission": String(n),
          "class": r.verdict,
        });
      })
      .catch(function (err) {
        var body = err.body || {};
        setStatus("error", "Verification failed: " + (body.error || err.message) + (body.retryable ? " (try again)" : ""));
        addRow([String(n), body.jobId || "—", "error", "—", "—", "—"], {
          "data-job-id": body.jobId || "",
          "data-verdict": "error",
          "data-submission": String(n),
          "class": "error",
        });
      })
      .then(function () {
        // Each submission is judged on what happened since the previous one.
        PohCollector.reset();
        button.disabled = false;
      });
  });
})();
