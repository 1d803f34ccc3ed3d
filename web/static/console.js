/* Sauti console: keyboard shortcuts, live queue count, audio controls, saving without reloads.
   Every action also works without JavaScript through ordinary forms. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const body = document.body;
  const csrf = body.dataset.csrf;
  const strings = JSON.parse((document.getElementById("strings") || {}).textContent || "{}");
  const t = (key, values) => (strings[key] || key).replace(/\{(\w+)\}/g, (_, k) => (values || {})[k] ?? "");
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // -- toast ------------------------------------------------------------------
  let toastTimer = null;
  function toast(message, bad) {
    const el = $("#toast");
    if (!el) return;
    el.textContent = message;
    el.classList.toggle("bad", !!bad);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, bad ? 6000 : 2500);
  }

  // -- posting forms without reloading ------------------------------------------
  async function post(form) {
    toast(t("js.saving"));
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      });
    } catch (err) {
      toast(t("js.offline"), true);
      return null;
    }
    let data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    if (response.status === 401) { window.location.reload(); return null; }
    if (!response.ok || data.ok === false) {
      toast(t("js.failed", { error: data.error || response.status }), true);
      return null;
    }
    toast(data.message || t("js.saved"));
    return data;
  }

  // -- live count of waiting alerts ----------------------------------------------
  const statsUrl = body.dataset.statsUrl;
  if (statsUrl) {
    const badge = $("#waiting");
    const baseTitle = document.title;
    let latest = Number(body.dataset.latest || 0);
    const every = Math.max(5, Number(body.dataset.poll || 15)) * 1000;
    async function poll() {
      if (document.hidden) return;
      try {
        const response = await fetch(statsUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const stats = await response.json();
        if (badge && badge.textContent !== String(stats.waiting)) {
          badge.textContent = stats.waiting;
          badge.classList.add("bump");
          setTimeout(() => badge.classList.remove("bump"), 1500);
        }
        document.title = (stats.waiting ? "(" + stats.waiting + ") " : "") + baseTitle;
        if (stats.latest_id > latest) {
          latest = stats.latest_id;
          refreshQueue();
        }
      } catch (err) { /* offline: try again at the next tick */ }
    }
    setInterval(poll, every);
    document.addEventListener("visibilitychange", poll);
  }

  // -- help overlay --------------------------------------------------------------
  const help = $("#help");
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }
  $$("[data-action=help]").forEach((b) => b.addEventListener("click", () => toggleHelp()));
  if (help) help.addEventListener("click", (e) => { if (e.target === help) toggleHelp(false); });

  // -- queue page ------------------------------------------------------------------
  // New alerts appear without reloading: the page's own URL is fetched again and its
  // rows replace the old ones (the server escaped every text in them).
  let rows = [];
  let selected = -1;
  function select(i) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("selected", j === selected));
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  function bindRows() {
    rows = $$("#queue tbody tr");
    rows.forEach((row, i) => row.addEventListener("click", (e) => {
      if (e.target.closest("a")) return;
      select(i);
      window.location = row.dataset.href;
    }));
  }
  async function refreshQueue() {
    const current = $("#queue-body");
    if (!current) return;
    const selectedHref = selected >= 0 && rows[selected] ? rows[selected].dataset.href : null;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("queue-body");
      if (!fresh) return;
      current.replaceWith(document.importNode(fresh, true));
    } catch (err) { return; }
    bindRows();
    const keep = rows.findIndex((r) => r.dataset.href === selectedHref);
    if (rows.length) select(keep >= 0 ? keep : 0);
  }
  bindRows();
  if (rows.length) select(0);

  // -- alert page --------------------------------------------------------------------
  const player = $("#player");
  const speeds = [0.75, 1, 1.25, 1.5, 2];
  function setSpeed(speed) {
    if (!player) return;
    player.playbackRate = speed;
    $$(".speeds [data-speed]").forEach((b) => b.classList.toggle("on", Number(b.dataset.speed) === speed));
  }
  function stepSpeed(dir) {
    if (!player) return;
    let i = speeds.indexOf(player.playbackRate);
    if (i < 0) i = 1;
    setSpeed(speeds[Math.max(0, Math.min(speeds.length - 1, i + dir))]);
  }
  function togglePlay() {
    if (!player) return;
    if (player.paused) player.play().catch((err) => toast(t("js.failed", { error: err.message }), true));
    else player.pause();
  }
  $$(".speeds [data-speed]").forEach((b) => b.addEventListener("click", () => setSpeed(Number(b.dataset.speed))));
  $$(".w[data-start]").forEach((w) => w.addEventListener("click", () => {
    if (!player) return;
    player.currentTime = Number(w.dataset.start) || 0;
    player.play().catch(() => {});
  }));

  const tagsForm = $("#tags-form");
  if (tagsForm) tagsForm.addEventListener("change", () => post(tagsForm));

  const transcriptForm = $("#transcript-form");
  if (transcriptForm) {
    transcriptForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = await post(transcriptForm);
      if (data) {
        let corrected = $("#corrected-text");
        if (corrected) corrected.textContent = $("#transcript-text").value.trim();
      }
    });
    $("#transcript-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); transcriptForm.requestSubmit(); }
    });
  }
  const noteForm = $("#note-form");
  if (noteForm) {
    noteForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("#note-text").value.trim();
      if (!text) return;
      if (await post(noteForm)) {
        const li = document.createElement("li");
        const p = document.createElement("p");
        p.textContent = text;  // text, never HTML
        li.appendChild(p);
        $("#notes").appendChild(li);
        $("#note-text").value = "";
      }
    });
    $("#note-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); noteForm.requestSubmit(); }
    });
  }
  const claimForm = $("#claim-form");
  if (claimForm) claimForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = await post(claimForm);
    if (data) {
      const button = claimForm.querySelector("button");
      button.disabled = true;
      button.textContent = data.message;
    }
  });

  function decide(status) {
    if (status === "duplicate") {
      const form = $("#duplicate-form");
      if (form) form.requestSubmit();
      return;
    }
    const button = $("#decision-form button[name=status][value=" + status + "]");
    if (button) button.click();
  }
  function follow(id) {
    const link = $(id);
    if (link) window.location = link.href;
  }

  // -- keyword spotting by example: play the example, then the hit; y/x decide ------------
  document.querySelectorAll(".hit .play-both").forEach((button) => {
    button.addEventListener("click", () => {
      const hit = button.closest(".hit");
      const example = new Audio(hit.dataset.example);
      example.addEventListener("ended", () => {
        if (!player) return;
        player.currentTime = Math.max(0, parseFloat(hit.dataset.start) - 0.3);
        player.play();
      });
      example.play();
    });
  });
  function decideHit(decision) {
    const form = $(".hit .hit-decision");   // the first hit shown
    const open = Array.from(document.querySelectorAll(".hit")).find((li) => !li.querySelector(".hit-decision .on"));
    const target = open ? open.querySelector(".hit-decision") : form;
    if (!target) return;
    const button = target.querySelector("button[value='" + decision + "']");
    target.requestSubmit(button);
  }

  // -- keyboard ------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const typing = target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (e.key === "Escape") {
      if (help && !help.hidden) { toggleHelp(false); return; }
      if (typing) target.blur();
      return;
    }
    if (typing) return;
    if (e.key === "?" ) { e.preventDefault(); toggleHelp(); return; }
    if (help && !help.hidden) return;

    // Digits by physical key, so AZERTY keyboards need no Shift.
    const digit = /^(Digit|Numpad)([1-9])$/.exec(e.code || "") || /^([1-9])$/.exec(e.key) && [null, null, e.key];
    if (digit && tagsForm) {
      const box = $("input[data-digit='" + digit[2] + "']", tagsForm);
      if (box) { e.preventDefault(); box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
      return;
    }
    const key = e.key;
    if (rows.length) {
      if (key === "j" || key === "ArrowDown") { e.preventDefault(); select(selected + 1); return; }
      if (key === "k" || key === "ArrowUp") { e.preventDefault(); select(selected - 1); return; }
      if ((key === "o" || key === "Enter") && selected >= 0) { e.preventDefault(); window.location = rows[selected].dataset.href; return; }
    }
    switch (key) {
      case "/": { const s = $("#search"); if (s) { e.preventDefault(); s.focus(); s.select(); } return; }
      case "j": follow("#next"); return;
      case "k": follow("#prev"); return;
      case "q": follow("#to-queue"); return;
      case " ": case "p": if (player) { e.preventDefault(); togglePlay(); } return;
      case "ArrowLeft": if (player) { e.preventDefault(); player.currentTime = Math.max(0, player.currentTime - 5); } return;
      case "ArrowRight": if (player) { e.preventDefault(); player.currentTime = player.currentTime + 5; } return;
      case "-": stepSpeed(-1); return;
      case "+": case "=": stepSpeed(1); return;
      case "e": { const a = $("#transcript-text"); if (a) { e.preventDefault(); a.focus(); } return; }
      case "n": { const a = $("#note-text"); if (a) { e.preventDefault(); a.focus(); } return; }
      case "c": if (claimForm) { e.preventDefault(); claimForm.requestSubmit(); } return;
      case "v": decide("verified"); return;
      case "u": decide("unverified"); return;
      case "f": case "r": decide("false"); return;
      case "s": decide("escalated"); return;
      case "y": e.preventDefault(); decideHit("confirmed"); return;
      case "x": e.preventDefault(); decideHit("rejected"); return;
      case "d": {
        const field = $("#duplicate-of");
        if (!field) return;
        e.preventDefault();
        if (field.value.trim()) decide("duplicate"); else field.focus();
        return;
      }
    }
  });

  // -- SMS parts: what a written message will cost, shown as it is typed (core/sms_texts.py parts) --
  const smsTexts = $(".sms-texts[data-gsm]");
  if (smsTexts) {
    const gsm = new Set(Array.from(smsTexts.dataset.gsm));
    const parts = (text) => {
      if (!text) return 0;
      if (Array.from(text).every((c) => gsm.has(c))) return text.length <= 160 ? 1 : Math.ceil(text.length / 153);
      return text.length <= 70 ? 1 : Math.ceil(text.length / 67);   // a JS length counts UTF-16 units, as UCS-2 does
    };
    $$("textarea[data-sms-parts]", smsTexts).forEach((area) => {
      const out = document.getElementById(area.dataset.smsParts);
      const show = () => {
        const n = parts(area.value.replace(/\r\n/g, "\n"));
        out.textContent = n ? out.dataset.template.replace("{n}", n) : "";
      };
      area.addEventListener("input", show);
      show();
    });
  }
})();
