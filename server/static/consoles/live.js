// DCM.Live: the websocket client every console uses. Contract (server/realtime/consumers.py):
//  - on open the server says hello {last_event_id}; a first connection takes it as its cursor;
//  - after a drop (network, server restart) it reconnects with backoff and sends
//    {"type":"resume","after":cursor,"seen":[recent ids]}: the server replays what was missed,
//    then "resumed"; or "reset" (too much missed) and the page reloads its lists;
//  - every event is handed to onCase once, by id (a replay may resend ids the page holds).
(function () {
  "use strict";
  const RECENT = 2000; // ids kept for de-duplication and sent back as "seen"

  class Live {
    constructor({onCase, onReset, onStatus}) {
      this.onCase = onCase; this.onReset = onReset || (() => {}); this.onStatus = onStatus || (() => {});
      this.cursor = null;          // largest event id held
      this.seen = new Set();       // recent ids, insertion-ordered
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
        setTimeout(() => this.connect(), this.delay + Math.random() * 300);
        this.delay = Math.min(this.delay * 2, 15000);
      };
      ws.onopen = () => {
        this.delay = 500;
        // A ping keeps proxies from closing an idle socket and lets the server refresh groups.
        this.pinger = setInterval(() => this.send({type: "ping"}), 25000);
      };
    }
    send(obj) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj)); }
    receive(msg) {
      if (msg.type === "hello") {
        if (this.cursor === null) { this.cursor = msg.last_event_id; this.onStatus("live"); }
        else {
          this.onStatus("resuming");
          this.send({type: "resume", after: this.cursor, seen: Array.from(this.seen).slice(-RECENT)});
        }
      } else if (msg.type === "case") {
        if (this.seen.has(msg.event_id)) return;
        this.seen.add(msg.event_id);
        if (this.seen.size > RECENT) this.seen.delete(this.seen.values().next().value);
        this.cursor = Math.max(this.cursor || 0, msg.event_id);
        this.onCase(msg);
      } else if (msg.type === "resumed") {
        this.cursor = Math.max(this.cursor || 0, msg.last_event_id);
        this.onStatus("live", msg.replayed);
      } else if (msg.type === "reset") {
        this.cursor = msg.last_event_id;
        this.onStatus("live");
        this.onReset();
      }
    }
    // Tests and the "reconnect" button: drop the socket as a dead link would.
    drop() { if (this.ws) this.ws.close(); }
  }
  window.DCM = window.DCM || {};
  window.DCM.Live = Live;
})();
