"""What a page shows in the wrong language, and whether it fits a phone: the checks the page
walk runs on every page (``test_one_language.py``).

A page's words come from the interface (labels, headers, buttons, titles, tooltips, chart
legends and axes) and from data (descriptions, notes, names, addresses, codes). Only the
interface must be in the user's language; data is shown as entered. Data is marked in the
markup with the HTML attribute ``translate="no"`` (its meaning: "do not translate this
content"), and such elements are skipped; so are case numbers and other codes (letters and
digits together), units and a few names that are the same in both languages (XLSX, CSV).
"""

from __future__ import annotations

#: The browser side: ``(lang) => [[where, text], ...]``: every visible piece of interface text
#: in the other language. ``lang`` is "zh" or "en".
FOREIGN_TEXT = r"""(lang) => {
  const HAN = /[\u3400-\u9fff\uf900-\ufaff]+/g;
  // A run of Latin words: on a Chinese page, a word of two or more letters is English unless
  // it is a code (has digits), a unit, or a name both languages use.
  const LATIN = /[A-Za-z][A-Za-z0-9'’\-]*(?:[ ,.:;/&]+[A-Za-z][A-Za-z0-9'’\-]*)*/g;
  const SAME = new Set(["XLSX", "CSV", "PDF", "API", "GeoJSON", "JSON", "XML", "OpenAPI",
    "Open311", "GPS", "ID", "QR", "OK", "km", "m", "h", "min", "s", "px", "ms", "A", "B", "C",
    "D", "E", "OpenStreetMap", "Leaflet", "ECharts", "Django", "Swagger", "UI"]);
  const found = [];
  function foreign(text) {
    if (lang === "en") return text.match(HAN) || [];
    return (text.match(LATIN) || []).filter((run) => run.split(/[ ,.:;/&]+/).some(
      (w) => w.length >= 2 && !SAME.has(w) && !/\d/.test(w)));
  }
  function skipped(el) {
    if (!el) return true;
    // translate is inherited: the nearest element that says decides (yes inside no is UI).
    const t = el.closest("[translate]");
    if (t && t.getAttribute("translate") === "no") return true;
    // The language switch names each language in itself; the map's attribution credits data.
    return !!el.closest("#langform, script, style, noscript, code, pre, " +
                        ".leaflet-control-attribution, .leaflet-tile-pane");
  }
  function shown(el) {
    if (el.closest("details:not([open]) > :not(summary)")) return false;
    return el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : true;
  }
  function where(el) {
    const bits = [];
    for (let e = el; e && e !== document.body && bits.length < 3; e = e.parentElement)
      bits.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                   (e.classList.length ? "." + [...e.classList].join(".") : ""));
    return bits.join(" > ");
  }
  function check(el, text, how) {
    for (const run of foreign(text)) found.push([where(el) + how, run + "  ⟨" +
      text.trim().slice(0, 80) + "⟩"]);
  }
  for (const run of foreign(document.title)) found.push(["title", run]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.nodeValue.trim() || skipped(el)) continue;
    if (el.tagName === "OPTION") {
      const sel = el.closest("select");
      if (sel && shown(sel)) check(el, n.nodeValue, "");
      continue;
    }
    if (shown(el)) check(el, n.nodeValue, "");
  }
  const labelled = "[title], [placeholder], [aria-label], [alt], input[type=submit][value], " +
    "input[type=button][value]";
  for (const el of document.querySelectorAll(labelled)) {
    if (skipped(el) || !shown(el)) continue;
    for (const a of ["title", "placeholder", "aria-label", "alt", "value"])
      if (el.hasAttribute(a) && (a !== "value" || /submit|button/.test(el.type)))
        check(el, el.getAttribute(a), " @" + a);
  }
  // Charts draw on a canvas: read the words from each chart's options.
  if (window.echarts) for (const el of document.querySelectorAll("[_echarts_instance_]")) {
    const opt = echarts.getInstanceByDom(el)?.getOption() || {};
    const words = [];
    for (const l of opt.legend || []) for (const d of l.data || []) words.push(d.name ?? d);
    for (const key of ["xAxis", "yAxis"]) for (const a of opt[key] || []) {
      if (a.name) words.push(a.name);
      // A category axis may list data (department names, in Chinese on an English page too):
      // checked on Chinese pages only, where an English word there is an untranslated code.
      if (a.type === "category" && lang === "zh")
        for (const d of a.data || []) words.push(d.value ?? d);
    }
    for (const s of opt.series || []) if (s.name) words.push(s.name);
    for (const t of opt.title || []) if (t.text) words.push(t.text);
    for (const w of words) if (typeof w === "string") check(el, w, " (chart)");
  }
  return found;
}"""

#: ``() => px``: how far the page scrolls sideways (0 when it fits the viewport).
SIDEWAYS = """() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)
                  - document.documentElement.clientWidth"""

#: ``() => bool``: the page asks a phone for its own width (else it is laid out 980 px wide and
#: shrunk to fit, which no sideways measure in a desktop browser sees).
PHONE_READY = """() => /width=device-width/.test(
  (document.querySelector("meta[name=viewport]") || {}).content || "")"""
