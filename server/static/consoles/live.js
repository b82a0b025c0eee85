// DCM.Live: the websocket client every console uses. Contract (server/realtime/consumers.py):
//  - on open the server says hello {last_event_id}; a first connection takes it as its cursor;
//  - after a drop (network, server restart) it reconnects with backoff and sends
//    {"type":"resume","after":cursor,"seen":[newest ids],"seen_ranges":[[lo,hi],...]}: the
//    server replays what was missed, then "resumed"; or "reset" (too much missed) and the page
//    reloads its lists. seen_ranges names every id received in the last HELD_MS (consecutive
//    ids make one pair), so the server re-sends a gap among them (a push lost in a killed
//    server worker) however many events came after it, and nothing the page holds;
//  - every event is handed to onCase once, by id (a replay may resend ids the page holds).
(function () {
  "use strict";
  const SEEN = 2000;      // newest ids sent as "seen" (what servers before seen_ranges read)
  const HELD_MS = 70000;  // received ids remembered: a little more than the server's 60 s
  const HELD_MAX = 20000; // late-commit window, and at most this many
  const MAX_RANGES = 2000; // server/realtime/schema.py MAX_SEEN_RANGES

  // Sorted, disjoint [lo, hi] pairs covering exactly ids; the newest `limit` pairs.
  function idRanges(ids, limit) {
    const sorted = Array.from(ids).sort((a, b) => a - b);
    const out = [];
    for (const i of sorted) {
      const last = out[out.length - 1];
      if (last && i <= last[1] + 1) last[1] = Math.max(last[1], i);
      else out.push([i, i]);
    }
    return out.slice(-limit);
  }

  class Live {
    constructor({onCase, onReset, onStatus}) {
      this.onCase = onCase; this.onReset = onReset || (() => {}); this.onStatus = onStatus || (() => {});
      this.cursor = null;          // largest event id held
      this.seen = new Map();       // id -> when received (ms), in arrival order
      this.delay = 500;
      this.ws = null;
      this.pinger = null;
      this.connect();
    }
    url() {
      return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/events/";
    }
    connect() {
      this.onStatus("connecting");
      const ws = this.ws = new WebSocket(this.url());
      ws.onmessage = (m) => this.receive(JSON.parse(m.data));
      ws.onclose = () => {
        clearInterval(this.pinger);
        if (this.ws !== ws) return;
        this.onStatus("offline");
        this.checkSession();
        setTimeout(() => this.connect(), this.delay + Math.random() * 300);
        this.delay = Math.min(this.delay * 2, 15000);
      };
      ws.onopen = () => {
        this.delay = 500;
        // A ping keeps proxies from closing an idle socket and lets the server refresh groups.
        this.pinger = setInterval(() => this.send({type: "ping"}), 25000);
      };
    }
    // A socket refused because the session ended (logged out in another tab, expired) would
    // retry forever: ask the API who we are, and go to the login page when nobody.
    async checkSession() {
      try {
        const r = await fetch("/api/me/", {credentials: "same-origin", headers: {"Accept": "application/json"}});
        if (r.status === 401 || r.status === 403) {
          this.ws = null;
          (window.DCM.toLogin || (() => location.assign("/accounts/login/")))();
        }
      } catch (e) { /* the server is down, not the session: keep retrying */ }
    }
    send(obj) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj)); }
    receive(msg) {
      if (msg.type === "hello") {
        if (this.cursor === null) {
          this.cursor = msg.last_event_id;
          this.hold(this.cursor); // the page's lists hold it: the lowest id a resume names
          this.onStatus("live");
        } else {
          this.onStatus("resuming");
          this.send(this.resumeMessage());
        }
      } else if (msg.type === "case") {
        if (this.seen.has(msg.event_id)) return;
        this.hold(msg.event_id);
        this.cursor = Math.max(this.cursor || 0, msg.event_id);
        this.onCase(msg);
      } else if (msg.type === "resumed") {
        this.cursor = Math.max(this.cursor || 0, msg.last_event_id);
        this.onStatus("live", msg.replayed);
      } else if (msg.type === "reset") {
        this.cursor = msg.last_event_id;
        this.hold(this.cursor); // the lists reloaded now hold it
        this.onStatus("live");
        this.onReset();
      }
    }
    hold(id) {
      const now = Date.now();
      this.seen.set(id, now);
      for (const [old, at] of this.seen) {
        if (this.seen.size <= HELD_MAX && at >= now - HELD_MS) break;
        this.seen.delete(old);
      }
    }
    resumeMessage() {
      const ids = Array.from(this.seen.keys());
      return {type: "resume", after: this.cursor, seen: ids.slice(-SEEN),
              seen_ranges: idRanges(ids, MAX_RANGES)};
    }
    // Tests and the "reconnect" button: drop the socket as a dead link would.
    drop() { if (this.ws) this.ws.close(); }
  }
  window.DCM = window.DCM || {};
  window.DCM.Live = Live;
  window.DCM.idRanges = idRanges;
})();
