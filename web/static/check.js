// 草稿比对: a click on a coloured sentence opens its sources beside the
// draft (a sheet at the bottom on a phone). Without the script the page
// works through #ck-src-N links and :target.
(function () {
  "use strict";

  var root = document.querySelector(".ck");
  var side = document.getElementById("ck-side");
  if (!root || !side) return;
  root.classList.add("ck-js");

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function close() {
    each(".ck-src.ck-open", function (el) { el.classList.remove("ck-open"); });
    each(".ck-s.ck-on", function (el) { el.classList.remove("ck-on"); });
    side.classList.remove("ck-picked");
  }

  function open(i, focus) {
    var panel = document.getElementById("ck-src-" + i);
    var sentence = document.getElementById("ck-s-" + i);
    if (!panel) return;
    close();
    panel.classList.add("ck-open");
    side.classList.add("ck-picked");
    if (sentence) sentence.classList.add("ck-on");
    side.scrollTop = 0;
    if (focus) panel.focus({ preventScroll: true });
    // On a phone the sources cover the bottom of the screen: keep the sentence above them.
    if (sentence && getComputedStyle(side).position === "fixed") {
      var top = sentence.getBoundingClientRect().top;
      var sheet = side.getBoundingClientRect().top;
      if (top < 0 || top > sheet - 40) window.scrollBy(0, top - Math.max(16, sheet / 4));
    }
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    if (!(target instanceof Element)) return;
    var sentence = target.closest("a.ck-s");
    if (sentence) {
      ev.preventDefault();
      if (sentence.classList.contains("ck-on")) {
        close();
      } else {
        open(sentence.getAttribute("data-sentence"), false);
      }
      return;
    }
    if (target.closest(".ck-close")) {
      var which = document.querySelector(".ck-s.ck-on");
      close();
      if (which) which.focus();
    }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && side.classList.contains("ck-picked")) {
      var which = document.querySelector(".ck-s.ck-on");
      close();
      if (which) which.focus();
    }
  });

  // A link to #ck-src-N (bookmarked, or opened without the script) opens it.
  var hash = /^#ck-src-(\d+)$/.exec(window.location.hash);
  if (hash) open(hash[1], false);

  // A file chosen replaces what was pasted: say so.
  var file = root.querySelector("input[type=file]");
  var text = document.getElementById("ck-text");
  if (file && text) {
    file.addEventListener("change", function () {
      if (file.files && file.files.length) text.placeholder = "将比对所选文件：" + file.files[0].name;
    });
  }
})();
