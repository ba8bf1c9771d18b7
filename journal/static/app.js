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

  // Forms that destroy something ask first: <form data-confirm="Delete this entry?">.
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  // Ctrl+Enter or Cmd+Enter in a textarea, or anywhere in the entry editor, submits its
  // form (writing without the mouse); the editor says so under its buttons.
  function submitShortcut() {
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      var form = target instanceof HTMLTextAreaElement ? target.form : null;
      var editor = !form && target instanceof Element ? target.closest("[data-editor]") : null;
      if (editor) form = editor.querySelector("form");
      if (!form) return;
      event.preventDefault();
      form.requestSubmit();
    });
    var mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
    document.querySelectorAll("[data-editor-shortcut]").forEach(function (hint) {
      var key = hint.querySelector("kbd");
      if (mac && key) key.textContent = "\u2318";
      hint.hidden = false;
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

  // --- the entry editor: <section data-editor> around its form (edit.html) --------------

  var DRAFT_PREFIX = "journal-draft:";
  var PENDING_SAVE = "journal-draft-pending";
  var FONT_KEY = "journal-editor-font";
  var DRAFT_EVERY_MS = 2000;
  var LIMIT_SHOWN_FROM = 0.9;
  var signingOut = false; // set on the sign-out form: no draft is written after it
  // Scripts written without spaces: each character is a word (as journal/text.py counts).
  var CJK = /[\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u{20000}-\u{3134f}]/gu;
  var WORDLIKE = /[\p{L}\p{N}]/u;

  // Storage can be switched off or full: the editor then works without drafts.
  function stored(storage, key) {
    try {
      return window[storage].getItem(key);
    } catch (error) {
      return null;
    }
  }

  function store(storage, key, value) {
    try {
      if (value === null) window[storage].removeItem(key);
      else window[storage].setItem(key, value);
    } catch (error) {
      /* private mode or quota: nothing kept */
    }
  }

  function countWords(text) {
    var characters = (text.match(CJK) || []).length;
    var words = text.replace(CJK, " ").split(/\s+/).filter(function (word) {
      return WORDLIKE.test(word);
    });
    return characters + words.length;
  }

  // "1,234 words" under the body; the character limit only when the text nears it.
  function wordCounter(area) {
    var limit = area.maxLength > 0 ? area.maxLength : 0;
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = (area.id || "text") + "-counter";
    area.insertAdjacentElement("afterend", counter);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    var format = new Intl.NumberFormat();
    function update() {
      var words = countWords(area.value);
      var text = format.format(words) + (words === 1 ? " word" : " words");
      var used = area.value.length;
      if (limit && used >= limit * LIMIT_SHOWN_FROM) {
        text += " \u00b7 " + format.format(used) + " / " + format.format(limit) + " characters";
      }
      counter.textContent = text;
      counter.classList.toggle("counter-over", limit > 0 && used >= limit);
    }
    area.addEventListener("input", update);
    update();
  }

  // Browsers without `field-sizing: content` get the growing box from here.
  function growWithText(area) {
    if (window.CSS && CSS.supports && CSS.supports("field-sizing", "content")) return;
    function fit() {
      var scrolled = window.scrollY;
      area.style.height = "auto";
      area.style.height = area.scrollHeight + (area.offsetHeight - area.clientHeight) + "px";
      window.scrollTo(window.scrollX, scrolled);
    }
    area.addEventListener("input", fit);
    window.addEventListener("resize", fit);
    fit();
  }

  function fontToggle(form, area) {
    var toggle = form.querySelector("[data-editor-mono]");
    if (!toggle) return;
    function apply() {
      area.classList.toggle("editor-font-mono", toggle.checked);
    }
    toggle.checked = stored("localStorage", FONT_KEY) === "mono";
    apply();
    toggle.addEventListener("change", function () {
      store("localStorage", FONT_KEY, toggle.checked ? "mono" : null);
      apply();
    });
  }

  // Write / Preview: the preview comes from the server's own renderer (POST /preview).
  function previewSwitch(root, form, area) {
    var toolbar = form.querySelector("[data-editor-toolbar]");
    var section = form.querySelector("[data-editor-preview]");
    var content = form.querySelector("[data-editor-preview-content]");
    var field = area.closest(".field");
    var url = root.getAttribute("data-preview-url");
    var token = form.querySelector("input[name=csrf_token]");
    if (!toolbar || !section || !content || !field || !url || !token || !window.fetch) return;
    var buttons = toolbar.querySelectorAll("[data-editor-mode]");
    var latest = 0;
    toolbar.hidden = false;
    var fallback = form.querySelector("[data-editor-preview-submit]");
    if (fallback) fallback.hidden = true;

    function note(text) {
      var paragraph = document.createElement("p");
      paragraph.className = "editor-preview-note";
      paragraph.textContent = text;
      content.replaceChildren(paragraph);
    }

    var problems = {
      400: "This page has expired, so no preview could be made. Reload the page: your draft is kept in this browser.",
      401: "You are signed out, so no preview could be made. Sign in in another tab, then press Preview again.",
      413: "The entry is too long to preview.",
    };

    function render() {
      var request = ++latest;
      if (!area.value.trim()) {
        note("Nothing to preview yet.");
        return;
      }
      note("Loading the preview\u2026");
      section.setAttribute("aria-busy", "true");
      var data = new FormData();
      data.append("body", area.value);
      data.append("csrf_token", token.value);
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok || response.redirected) throw response.redirected ? 401 : response.status;
          return response.text();
        })
        .then(function (html) {
          if (request !== latest) return;
          content.innerHTML = html; // sanitised by the server, exactly as a saved entry is
        })
        .catch(function (status) {
          if (request !== latest) return;
          note(problems[status] || "The preview could not be loaded. Try again in a moment.");
        })
        .finally(function () {
          if (request === latest) section.removeAttribute("aria-busy");
        });
    }

    function show(mode) {
      buttons.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-editor-mode") === mode));
      });
      field.hidden = mode === "preview";
      section.hidden = mode !== "preview";
      if (mode === "preview") render();
    }

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        show(button.getAttribute("data-editor-mode"));
      });
    });
  }

  function formState(form) {
    var state = {};
    ["title", "body", "tags", "date"].forEach(function (name) {
      var input = form.elements.namedItem(name);
      state[name] = input && "value" in input ? input.value : "";
    });
    var visibility = form.querySelector("input[name=visibility]:checked");
    state.visibility = visibility ? visibility.value : "";
    return state;
  }

  function sameState(one, other) {
    return Object.keys(one).every(function (name) {
      return (one[name] || "") === (other[name] || "");
    });
  }

  function fillForm(form, state) {
    ["title", "tags", "date", "body"].forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (!input || typeof state[name] !== "string") return;
      input.value = state[name];
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    form.querySelectorAll("input[name=visibility]").forEach(function (radio) {
      radio.checked = radio.value === state.visibility;
    });
  }

  function readDraft(key) {
    try {
      var draft = JSON.parse(stored("localStorage", key) || "null");
      return draft && typeof draft.savedAt === "number" && draft.fields ? draft : null;
    } catch (error) {
      return null;
    }
  }

  // "21:14" today, "3 Mar, 21:14" before: in the account's time zone when the browser knows it.
  function draftTime(savedAt, zone) {
    function format(date, options) {
      try {
        return new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: zone || undefined }, options)).format(date);
      } catch (error) {
        return new Intl.DateTimeFormat(undefined, options).format(date);
      }
    }
    var when = new Date(savedAt);
    var day = { year: "numeric", month: "2-digit", day: "2-digit" };
    var time = format(when, { hour: "2-digit", minute: "2-digit" });
    if (format(when, day) === format(new Date(), day)) return time;
    return format(when, { day: "numeric", month: "short" }) + ", " + time;
  }

  // The draft: kept in this browser every few seconds while typing, offered back when the
  // form opens (after a crash or a closed tab), forgotten once the entry is saved.
  function localDraft(root, form) {
    var key = root.getAttribute("data-draft-key");
    var saved = Date.parse(root.getAttribute("data-saved-at") || "") || 0;
    var initial = formState(form);
    var unsaved = root.hasAttribute("data-unsaved"); // sent back (refused or previewed)
    var submitting = false;
    var offered = null;
    var timer = null;

    function dirty() {
      return unsaved || !sameState(formState(form), initial);
    }

    function saveNow() {
      window.clearTimeout(timer);
      timer = null;
      if (!key || offered || signingOut) return;
      if (dirty()) store("localStorage", key, JSON.stringify({ savedAt: Date.now(), fields: formState(form) }));
      else store("localStorage", key, null);
    }

    function later() {
      if (timer === null) timer = window.setTimeout(saveNow, DRAFT_EVERY_MS);
    }

    function offer(draft) {
      offered = document.createElement("div");
      offered.className = "draft-offer";
      offered.setAttribute("role", "status");
      var question = document.createElement("p");
      question.textContent = "Restore your unsaved draft from " + draftTime(draft.savedAt, root.getAttribute("data-timezone")) + "?";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "button button-small button-primary";
      restore.textContent = "Restore";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "button button-small";
      discard.textContent = "Discard";
      offered.append(question, restore, discard);
      form.insertAdjacentElement("beforebegin", offered);
      function close(focus) {
        offered.remove();
        offered = null;
        focus.focus();
      }
      restore.addEventListener("click", function () {
        fillForm(form, draft.fields);
        close(form.elements.namedItem("body") || form);
        saveNow();
      });
      discard.addEventListener("click", function () {
        store("localStorage", key, null);
        close(form.elements.namedItem("title") || form);
        saveNow();
      });
    }

    if (key) {
      var draft = readDraft(key);
      if (draft && draft.savedAt > saved && !sameState(draft.fields, initial)) offer(draft);
      else if (draft && !unsaved) store("localStorage", key, null);
      if (unsaved) saveNow(); // what came back is not stored anywhere else
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !submitting) saveNow();
    });
    window.addEventListener("pagehide", function () {
      if (!submitting) saveNow();
    });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var preview = event.submitter && event.submitter.name === "preview";
      saveNow();
      submitting = true;
      // The next page says whether it was saved: the entry's own page (see settlePendingSave).
      if (key && !preview) store("sessionStorage", PENDING_SAVE, key);
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) submitting = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || !dirty()) return;
      saveNow();
      event.preventDefault();
      event.returnValue = "";
    });
  }

  // After Save: landing on the entry's page means it was saved, so its draft goes; the form
  // coming back (a refusal, an expired page, a conflict) or an error page keeps it.
  function settlePendingSave() {
    var key = stored("sessionStorage", PENDING_SAVE);
    if (!key) return;
    store("sessionStorage", PENDING_SAVE, null);
    var landed = window.location.pathname.match(/\/entries\/(\d+)$/);
    if (!landed) return;
    var entry = key.slice(key.lastIndexOf(":") + 1);
    if (entry === "new" || entry === landed[1]) store("localStorage", key, null);
  }

  // Signing out leaves no draft of the person's writing behind in this browser.
  function forgetDraftsOnSignOut() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !/\/logout$/.test(form.action)) return;
      signingOut = true;
      try {
        Object.keys(window.localStorage).forEach(function (name) {
          if (name.indexOf(DRAFT_PREFIX) === 0) window.localStorage.removeItem(name);
        });
      } catch (error) {
        /* no storage: nothing to forget */
      }
    });
  }

  function entryEditor(root) {
    var form = root.querySelector("form");
    var area = form && form.elements.namedItem("body");
    if (!(area instanceof HTMLTextAreaElement)) return;
    wordCounter(area);
    growWithText(area);
    fontToggle(form, area);
    previewSwitch(root, form, area);
    localDraft(root, form);
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
    settlePendingSave();
    focusRefusedField();
    browserTimezone();
    focusableScrollers();
    dismissibleFlashes();
    document.querySelectorAll("[data-editor]").forEach(entryEditor);
    forgetDraftsOnSignOut();
    confirmations();
    submitShortcut();
    liveUpdates();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
