// Journal's progressive enhancements. Every page works without this file.
// Loaded with `defer` from a static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  // Flashed messages get a close button.
  function dismissibleFlashes() {
    document.querySelectorAll(".flash").forEach(function (flash) {
      if (flash.querySelector(".flash-close")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "flash-close";
      button.setAttribute("aria-label", "Dismiss message");
      button.textContent = "×";
      button.addEventListener("click", function () {
        var container = flash.parentElement;
        var main = document.getElementById("main");
        flash.remove();
        if (container && !container.querySelector(".flash")) container.remove();
        if (main) main.focus();
      });
      flash.appendChild(button);
    });
  }

  // A character counter under every textarea that has a maxlength (the entry editor).
  function characterCounters() {
    document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
      var limit = area.maxLength;
      if (!limit || limit < 0) return;
      var counter = document.createElement("p");
      counter.className = "counter";
      counter.id = (area.id || "text") + "-counter";
      area.insertAdjacentElement("afterend", counter);
      var described = area.getAttribute("aria-describedby");
      area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      var format = new Intl.NumberFormat();
      function update() {
        var used = area.value.length;
        counter.textContent = format.format(used) + " / " + format.format(limit) + " characters";
        counter.classList.toggle("counter-over", used >= limit);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  // Forms that destroy something ask first: <form data-confirm="Delete this entry?">.
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  // Ctrl+Enter or Cmd+Enter in a textarea submits its form (writing without the mouse).
  function submitShortcut() {
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      if (!(target instanceof HTMLTextAreaElement) || !target.form) return;
      event.preventDefault();
      target.form.requestSubmit();
    });
  }

  // Wide code blocks and tables scroll sideways; make those reachable by keyboard too
  // (browsers that do not focus scrollers themselves, e.g. Safari).
  function focusableScrollers() {
    function update() {
      document.querySelectorAll(".prose pre, .prose table").forEach(function (box) {
        if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
        else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
      });
    }
    update();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(update, 150);
    });
  }

  // Registration learns the browser's time zone, so dates read right from the first page.
  function browserTimezone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }

  // A refused form comes back at its section (/account#delete-account): the cursor goes
  // to its first field with a problem, without scrolling away from the section's heading.
  // Done at "load": the browser's own scroll to the #anchor comes first and would blur it.
  function focusRefusedField() {
    if (!document.querySelector(".error-summary") || !window.location.hash) return;
    var section = document.getElementById(window.location.hash.slice(1));
    var field = section && section.querySelector("[aria-invalid='true']");
    if (!field) return;
    function focus() {
      field.focus({ preventScroll: true });
    }
    if (document.readyState === "complete") focus();
    else window.addEventListener("load", focus);
  }

  function start() {
    focusRefusedField();
    browserTimezone();
    focusableScrollers();
    dismissibleFlashes();
    characterCounters();
    confirmations();
    submitShortcut();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
