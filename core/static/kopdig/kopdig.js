/* Kopdig's few behaviours, as a static file: the Content-Security-Policy allows no inline
   script. Each is switched on by a data attribute in the page; without JavaScript the page
   still works (the server checks everything). */
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print],[data-back]");
    if (!el) return;
    if (el.hasAttribute("data-print")) { event.preventDefault(); window.print(); }
    // <a href="fallback" data-back>: back in history, keeping what was typed.
    if (el.hasAttribute("data-back") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // <select data-autosubmit>: choosing is enough.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // The journal entry form: a running check while typing (the server decides), amounts as
  // Indonesians write them, added up in whole sen so nothing is rounded.
  ready(function () {
    var box = document.getElementById("sum");
    var form = box && box.closest("form");
    if (!form) return;
    function sen(text) {
      var t = (text || "").replace(/\s|rp/gi, "").replace(/,-$/, "");
      var m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$/.exec(t);
      if (!m) return t ? NaN : 0;
      return Number(m[1].replace(/\./g, "")) * 100 + Number(((m[2] || "") + "00").slice(0, 2));
    }
    function rp(s) {
      var whole = Math.floor(s / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
      return "Rp" + whole + "," + String(s % 100).padStart(2, "0");
    }
    function total(suffix) {
      var sum = 0, bad = false;
      form.querySelectorAll("input[name$='-" + suffix + "']").forEach(function (i) {
        var v = sen(i.value); bad = bad || isNaN(v); sum += v || 0;
      });
      return [sum, bad];
    }
    form.addEventListener("input", function () {
      var d = total("debit"), k = total("credit"), bad = d[1] || k[1];
      box.hidden = false;
      box.querySelector("[data-sum=debit]").textContent = rp(d[0]);
      box.querySelector("[data-sum=kredit]").textContent = rp(k[0]);
      var note = box.querySelector("[data-sum=selisih]");
      note.textContent = bad ? box.dataset.invalid
        : d[0] === k[0] && d[0] > 0 ? "✓ " + box.dataset.balanced
        : d[0] === k[0] ? "" : box.dataset.difference + " " + rp(Math.abs(d[0] - k[0]));
      note.style.color = d[0] === k[0] && d[0] > 0 && !bad ? "var(--good)" : "var(--bad)";
    });
  });

  // Closing a kasir session: the cash counted per note and coin, added up.
  ready(function () {
    var f = document.querySelector(".pecahan");
    var out = document.getElementById("pecahan-total");
    if (!f || !out) return;
    function sum() {
      var t = 0;
      f.querySelectorAll("input").forEach(function (i) {
        var face = parseInt(i.name.slice(1), 10), n = parseInt(i.value || "0", 10);
        if (n > 0) t += face * n;
      });
      out.textContent = "Rp" + t.toLocaleString("id-ID");
    }
    f.addEventListener("input", sum);
    sum();
  });
})();
