/*
 * PoH Network browser collector — dependency-free, no network access of its own.
 *
 * Records format-v1 telemetry on the page: pointer moves, button down/up, wheel, and key timing
 * (keydown/keyup) with an opaque per-session number for each physical key — never the key or the
 * character typed — and t in milliseconds since start. At most 20,000 events are kept; later
 * events are dropped (payload().events.length tells, and `truncated` says so).
 *
 *   <script src="/collector.js"></script>
 *   PohCollector.start();
 *   ... on submit:  const verdict = await PohCollector.send("/api/verify", { email });
 *
 * API: PohCollector.start(options?) · .stop() · .payload() · .send(url, fields?) · .reset() ·
 *      .eventCount() · .truncated()
 * options: { target?: EventTarget (default window), maxEvents?: number (default and cap 20000) }
 * send() POSTs JSON { telemetry: <format-v1 payload>, ...fields } and resolves with the response
 * JSON (rejects with an Error carrying .status and .body on a non-2xx answer).
 */
(function (root) {
  "use strict";

  var MAX_EVENTS = 20000;
  var LINE_PX = 16;

  var state = null;

  function now() {
    return typeof performance !== "undefined" && performance.now ? performance.now() : Date.now();
  }

  function round1(v) {
    return Math.round(v * 10) / 10;
  }

  function makeState(options) {
    var max = Math.min(MAX_EVENTS, Math.max(1, (options && options.maxEvents) || MAX_EVENTS));
    return {
      target: (options && options.target) || root,
      max: max,
      t0: now(),
      lastT: 0,
      events: [],
      truncated: false,
      keyIds: Object.create(null),
      usedIds: Object.create(null),
      down: Object.create(null),
      listeners: [],
      running: false,
    };
  }

  function push(ev) {
    if (!state || !state.running) return;
    if (state.events.length >= state.max) {
      state.truncated = true;
      return;
    }
    // t is non-decreasing even if the clock is coarse or events arrive out of order.
    var t = round1(now() - state.t0);
    if (t < state.lastT) t = state.lastT;
    state.lastT = t;
    ev.t = t;
    state.events.push(ev);
  }

  // An opaque number per physical key for this session: random, so neither the key nor the
  // order keys were first pressed in can be read from it.
  function keyId(code) {
    var id = state.keyIds[code];
    if (id !== undefined) return id;
    do {
      id = 1 + Math.floor(Math.random() * 9999);
    } while (state.usedIds[id]);
    state.usedIds[id] = true;
    state.keyIds[code] = id;
    return id;
  }

  function coords(e) {
    return { x: Math.round(e.clientX), y: Math.round(e.clientY) };
  }

  var handlers = {
    pointermove: function (e) {
      var c = coords(e);
      push({ k: "move", x: c.x, y: c.y });
    },
    pointerdown: function (e) {
      if (e.button < 0 || e.button > 4) return;
      var c = coords(e);
      push({ k: "down", x: c.x, y: c.y, b: e.button });
    },
    pointerup: function (e) {
      if (e.button < 0 || e.button > 4) return;
      var c = coords(e);
      push({ k: "up", x: c.x, y: c.y, b: e.button });
    },
    wheel: function (e) {
      var scale = e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? (root.innerHeight || 800) : 1;
      push({ k: "wheel", dx: round1(e.deltaX * scale), dy: round1(e.deltaY * scale) });
    },
    keydown: function (e) {
      if (e.repeat) return; // auto-repeat is the keyboard's timing, not the person's
      var code = e.code || "key:" + e.keyCode;
      state.down[code] = true;
      push({ k: "keydown", key: keyId(code) });
    },
    keyup: function (e) {
      var code = e.code || "key:" + e.keyCode;
      delete state.down[code];
      push({ k: "keyup", key: keyId(code) });
    },
  };

  function start(options) {
    if (state && state.running) return api;
    state = makeState(options);
    state.running = true;
    var target = state.target;
    Object.keys(handlers).forEach(function (type) {
      var fn = handlers[type];
      var opts = { capture: true, passive: true };
      target.addEventListener(type, fn, opts);
      state.listeners.push([type, fn, opts]);
    });
    return api;
  }

  function stop() {
    if (!state || !state.running) return api;
    state.running = false;
    state.listeners.forEach(function (l) {
      state.target.removeEventListener(l[0], l[1], l[2]);
    });
    state.listeners = [];
    return api;
  }

  function reset() {
    var wasRunning = state && state.running;
    var options = state ? { target: state.target, maxEvents: state.max } : undefined;
    stop();
    state = null;
    if (wasRunning) start(options);
    return api;
  }

  /** The format-v1 payload recorded so far (a copy). */
  function payload() {
    var out = { v: 1, events: state ? state.events.map(function (e) {
      var copy = { t: e.t, k: e.k };
      for (var key in e) if (key !== "t" && key !== "k") copy[key] = e[key];
      return copy;
    }) : [] };
    var w = root.screen && root.screen.width, h = root.screen && root.screen.height;
    if (w > 0 && h > 0) out.screen = { w: Math.round(w), h: Math.round(h) };
    return out;
  }

  function send(url, fields) {
    var body = { telemetry: payload() };
    if (fields) for (var key in fields) if (key !== "telemetry") body[key] = fields[key];
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (res) {
      return res.text().then(function (text) {
        var json;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (err) {
          json = { error: text };
        }
        if (!res.ok) {
          var error = new Error((json && json.error) || "HTTP " + res.status);
          error.status = res.status;
          error.body = json;
          throw error;
        }
        return json;
      });
    });
  }

  var api = {
    MAX_EVENTS: MAX_EVENTS,
    start: start,
    stop: stop,
    reset: reset,
    payload: payload,
    send: send,
    eventCount: function () {
      return state ? state.events.length : 0;
    },
    truncated: function () {
      return !!(state && state.truncated);
    },
  };

  root.PohCollector = api;
  if (typeof module === "object" && module && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
