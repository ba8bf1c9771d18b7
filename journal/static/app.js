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

  // --- Live updates over /live (a WebSocket); without it every page works as before. ---

  // Which events a page cares about: a listing counts new entries it would show, the
  // editor watches its own entry. Anything else only listens for the session ending.
  function liveInterest(path, signedIn) {
    var form = document.querySelector("form[data-entry-id]");
    if (form) return { kind: "editor", form: form, entryId: Number(form.dataset.entryId) };
    var match;
    if (path === "/explore") return { kind: "listing", wants: function () { return true; } };
    if ((match = path.match(/^\/u\/([^/]+)$/))) {
      var name = decodeURIComponent(match[1]).toLowerCase();
      return { kind: "listing", wants: function (e) { return (e.author || "").toLowerCase() === name; } };
    }
    if ((match = path.match(/^\/tags\/([^/]+)$/))) {
      var tag = decodeURIComponent(match[1]).toLowerCase();
      return { kind: "listing", wants: function (e) { return (e.tags || []).indexOf(tag) >= 0; } };
    }
    if (path === "/" && signedIn) return { kind: "listing", mine: true, wants: null };
    return { kind: "other" };
  }

  function liveNotice(container) {
    var notice = container.querySelector(".live-notice");
    if (notice) return notice;
    notice = document.createElement("div");
    notice.className = "live-notice";
    notice.setAttribute("role", "status");
    notice.hidden = true;
    var heading = container.querySelector("h1");
    if (heading) heading.insertAdjacentElement("afterend", notice);
    else container.insertBefore(notice, container.firstChild);
    return notice;
  }

  function showListingNotice(notice, count) {
    notice.textContent = "";
    var text = document.createElement("span");
    text.textContent = count === 1 ? "1 new entry" : count + " new entries";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button live-show";
    button.textContent = "show";
    button.addEventListener("click", function () { window.location.reload(); });
    notice.appendChild(text);
    notice.appendChild(document.createTextNode(" — "));
    notice.appendChild(button);
    notice.hidden = false;
  }

  function clockTime(iso) {
    var when = iso ? new Date(iso) : new Date();
    if (isNaN(when.getTime())) when = new Date();
    return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function liveUpdates() {
    if (!("WebSocket" in window) || !window.JSON) return;
    var main = document.getElementById("main");
    if (!main) return;
    var signedIn = !!document.querySelector("form[action$='/logout']");
    var interest = liveInterest(window.location.pathname, signedIn);
    if (interest.kind === "other" && !signedIn) return;

    var lastId = null;
    var seen = {};
    var fresh = {};
    var freshCount = 0;
    var userId = null;
    var attempts = 0;
    var socket = null;
    var ended = false;

    // A form being sent (signing out, saving) is already taking the page elsewhere.
    var leaving = false;
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) leaving = true;
    });

    function toSignIn() {
      if (leaving) return;
      ended = true;
      var here = window.location.pathname + window.location.search;
      window.location.assign("/login?next=" + encodeURIComponent(here));
    }

    function onEntry(event) {
      if (interest.kind === "editor") {
        if (event.entry_id !== interest.entryId) return;
        var version = interest.form.querySelector("input[name='version']");
        if (event.type === "entry-changed" && version && Number(version.value) >= event.version) return;
        var notice = liveNotice(interest.form.parentElement);
        notice.textContent = event.type === "entry-deleted"
          ? "This entry was deleted elsewhere at " + clockTime(event.at) + "."
          : "This entry was changed elsewhere at " + clockTime(event.at) +
            ". Saving will show both versions side by side to merge.";
        notice.hidden = false;
        return;
      }
      if (interest.kind !== "listing" || event.type !== "entry-created") return;
      var wanted = interest.mine ? event.author_id === userId : interest.wants(event);
      if (!wanted || fresh[event.entry_id]) return;
      fresh[event.entry_id] = true;
      freshCount += 1;
      showListingNotice(liveNotice(main), freshCount);
    }

    function onMessage(message) {
      var data;
      try { data = JSON.parse(message.data); } catch (error) { return; }
      if (!data || typeof data.type !== "string") return;
      if (data.type === "hello") {
        attempts = 0;
        userId = data.user_id;
        if (signedIn && !data.signed_in) { toSignIn(); return; }
        if (lastId === null) lastId = data.last_id;
        else socket.send(JSON.stringify({ type: "resume", after: lastId }));
        return;
      }
      if (data.type === "session-ended") { toSignIn(); return; }
      if (typeof data.id === "number") {
        if (seen[data.id]) return;
        seen[data.id] = true;
        if (lastId === null || data.id > lastId) lastId = data.id;
      }
      if (data.type.indexOf("entry-") === 0) onEntry(data);
    }

    function connect() {
      if (ended) return;
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      try {
        socket = new WebSocket(scheme + window.location.host + "/live");
      } catch (error) {
        return;
      }
      socket.addEventListener("message", onMessage);
      socket.addEventListener("close", function (close) {
        if (ended || close.code === 4001) { if (close.code === 4001) toSignIn(); return; }
        // Back off: 1 s, 2 s, 4 s … up to a minute, with some jitter.
        var delay = Math.min(60000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
        attempts += 1;
        window.setTimeout(connect, delay);
      });
    }

    window.addEventListener("pagehide", function () {
      ended = true;
      // Closing one still connecting would log an error: the browser drops it anyway.
      if (socket && socket.readyState === WebSocket.OPEN) socket.close(1000);
    });
    window.addEventListener("pageshow", function (event) {
      // Back from the back-forward cache: listen again, from where the page left off.
      if (!event.persisted) return;
      ended = false;
      connect();
    });
    connect();
  }

  function start() {
    focusRefusedField();
    browserTimezone();
    focusableScrollers();
    dismissibleFlashes();
    characterCounters();
    confirmations();
    submitShortcut();
    liveUpdates();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
