// 报告检索 — small conveniences on top of pages that work without JavaScript:
// "/" focuses the search box, n / p step through the hits of a report,
// copy-with-citation buttons (phrase lines, snippets, paragraphs, outline
// entries), the outline folds on narrow screens.
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

  function flash(btn, ok) {
    btn.textContent = ok ? "已复制" : "复制失败";
    btn.classList.toggle("done", ok);
    setTimeout(function () { btn.textContent = "复制"; btn.classList.remove("done"); }, 1600);
  }

  // The citation format of every copy button (search/export.py: citation).
  function cite(text, source) {
    var year = source.getAttribute("data-year");
    return text + "（来源：《" + source.getAttribute("data-title") + "》" + (year ? "，" + year + "年" : "") + "）";
  }

  function clean(text) {
    return text.replace(/\s+/g, " ").replace(/^[\s…]+|[\s…]+$/g, "");
  }

  // A button after `el` (inside it) that copies `text()` with the citation of `source`.
  function addCopy(el, source, text, label) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy " + label;
    btn.textContent = "复制";
    btn.title = "复制这段文字和出处";
    btn.setAttribute("data-copy-text", "");
    el.appendChild(btn);
    btn.addEventListener("click", function (ev) {
      ev.preventDefault();
      ev.stopPropagation();
      copyText(cite(text(), source)).then(function () { flash(btn, true); }, function () { flash(btn, false); });
    });
  }

  function setupCopy() {
    Array.prototype.forEach.call(document.querySelectorAll("button.copy[data-copy]"), function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        copyText(btn.getAttribute("data-copy")).then(function () { flash(btn, true); },
                                                     function () { flash(btn, false); });
      });
    });
    // snippets of a result list
    Array.prototype.forEach.call(document.querySelectorAll(".result[data-title] .snip"), function (p) {
      var source = p.closest(".result");
      var text = clean(p.textContent);
      addCopy(p, source, function () { return text; }, "scopy");
    });
    // every paragraph and heading of a report, and every outline entry
    var doc = document.querySelector("article.doc[data-title]");
    if (!doc) return;
    Array.prototype.forEach.call(doc.querySelectorAll(".body > p, .body > h2, .body > h3, .body > h4"), function (el) {
      var text = clean(el.textContent);
      addCopy(el, doc, function () { return text; }, "pcopy");
    });
    Array.prototype.forEach.call(document.querySelectorAll(".outline li"), function (li) {
      var link = li.querySelector("a");
      var text = clean(link ? link.textContent : li.textContent);
      addCopy(li, doc, function () { return text; }, "ocopy");
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
