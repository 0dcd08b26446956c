// 报告检索 — small conveniences on top of pages that work without JavaScript:
// "/" focuses the search box, n / p step through the hits of a report,
// copy buttons on phrase lines, the outline folds on narrow screens.
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // ------------------------------------------------------------ "/" focus
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    var box = document.getElementById("q");
    if (!box) return;
    ev.preventDefault();
    box.focus();
    box.select();
  });

  // ------------------------------------------------------------ hit navigation
  function setupHits() {
    var marks = Array.prototype.slice.call(document.querySelectorAll("mark.hit[id^='hit-']"));
    var next = document.getElementById("next-hit");
    var prev = document.getElementById("prev-hit");
    var pos = document.getElementById("hit-pos");
    if (!marks.length || !next || !prev) return;
    next.hidden = false;
    prev.hidden = false;
    Array.prototype.forEach.call(document.querySelectorAll(".nojs-nav"), function (a) { a.hidden = true; });
    var current = -1;

    function show(i, scroll) {
      i = (i + marks.length) % marks.length;
      Array.prototype.forEach.call(document.querySelectorAll("mark.hit.active"), function (m) {
        m.classList.remove("active");
      });
      Array.prototype.forEach.call(document.querySelectorAll("mark.hit[data-hit='" + i + "']"), function (m) {
        m.classList.add("active");
      });
      current = i;
      pos.textContent = "第 " + (i + 1) + " / " + marks.length + " 处";
      if (scroll) {
        marks[i].scrollIntoView({ block: "center" });
        if (history.replaceState) history.replaceState(null, "", "#hit-" + i);
      }
    }

    // Where the page was opened: #hit-N, or #o<offset> (phrase lookup) — the
    // hit at or after that anchor.
    function fromHash() {
      var h;
      try { h = decodeURIComponent(location.hash.slice(1)); } catch (e) { h = location.hash.slice(1); }
      if (!h) return -1;
      var m = /^hit-(\d+)$/.exec(h);
      if (m) return Math.min(+m[1], marks.length - 1);
      var anchor = document.getElementById(h);
      if (!anchor) return -1;
      var piece = anchor.nextElementSibling;  // the anchor sits right before its hit
      if (piece && !piece.matches("mark.hit")) piece = piece.querySelector("mark.hit");
      if (piece && piece.dataset.hit) return +piece.dataset.hit;
      for (var i = 0; i < marks.length; i++) {
        if (anchor.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING) return i;
      }
      return -1;
    }

    next.addEventListener("click", function () { show(current + 1, true); });
    prev.addEventListener("click", function () { show(current < 0 ? -1 : current - 1, true); });
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
      if (ev.key === "n" || ev.key === "j") { ev.preventDefault(); show(current + 1, true); }
      else if (ev.key === "p" || ev.key === "k") { ev.preventDefault(); show(current < 0 ? -1 : current - 1, true); }
    });
    window.addEventListener("hashchange", function () {
      var i = fromHash();
      if (i >= 0 && i !== current) show(i, false);
    });
    var start = fromHash();
    if (start >= 0) show(start, false);
    else pos.textContent = "共 " + marks.length + " 处";
  }

  // ------------------------------------------------------------ copy buttons
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {  // plain http on an intranet
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  function setupCopy() {
    Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy]"), function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        copyText(btn.getAttribute("data-copy")).then(function () {
          btn.textContent = "已复制";
          btn.classList.add("done");
        }, function () {
          btn.textContent = "复制失败";
        });
        setTimeout(function () { btn.textContent = "复制"; btn.classList.remove("done"); }, 1600);
      });
    });
  }

  // ------------------------------------------------------------ outline
  function setupOutline() {
    var outline = document.getElementById("outline");
    if (outline && window.matchMedia("(max-width: 860px)").matches) outline.open = false;
  }

  function init() {
    setupHits();
    setupCopy();
    setupOutline();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
