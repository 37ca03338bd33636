// The agent workspace's own script: live SLA countdowns, keyboard shortcuts, canned responses.
(() => {
  const typing = (el) => el && el.closest && el.closest("input, textarea, select, [contenteditable]");

  // Countdowns: every [data-due] shows the time left (or overdue) and is refreshed each second.
  const span = (ms) => {
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${String(m).padStart(2, "0")}m`;
    return `${m}m ${String(s).padStart(2, "0")}s`;
  };
  const tick = () => {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach((el) => {
      const left = Date.parse(el.dataset.due) - now;
      if (Number.isNaN(left)) return;
      el.textContent = left >= 0 ? `in ${span(left)}` : `${span(left)} overdue`;
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 3600 * 1000);
    });
  };
  tick();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", tick);

  const help = document.getElementById("shortcuts");
  const page = document.querySelector("[data-page]")?.dataset.page;

  // Queue: j/k move the selection, Enter opens it, c starts a new ticket.
  let selected = -1;
  const rows = () => Array.from(document.querySelectorAll("[data-keyboard-list] tbody tr[data-href]"));
  const select = (index) => {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((row, i) => row.classList.toggle("selected", i === selected));
    all[selected].querySelector("a")?.focus();
  };
  document.body.addEventListener("htmx:afterSwap", () => { selected = -1; });

  // Ticket: r / n pick reply or note and focus the text; ctrl+enter sends.
  const composer = document.getElementById("composer");
  const body = composer?.querySelector("textarea[name=body]");
  const pick = (kind) => {
    const radio = composer?.querySelector(`input[name=kind][value=${kind}]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    body?.focus();
  };
  const syncKind = () => {
    const note = composer?.querySelector("input[name=kind][value=note]")?.checked;
    composer?.classList.toggle("is-note", !!note);
    const send = document.getElementById("send");
    if (send) send.textContent = note ? "Add note" : "Send";
  };
  composer?.addEventListener("change", (e) => { if (e.target.name === "kind") syncKind(); });
  syncKind();

  // Canned responses: the chosen body goes in at the cursor (or replaces an empty message).
  document.getElementById("canned")?.addEventListener("change", (event) => {
    const option = event.target.selectedOptions[0];
    if (!option || !option.dataset.body || !body) return;
    const text = option.dataset.body;
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? body.value.length;
    body.value = body.value.slice(0, start) + text + body.value.slice(end);
    body.focus();
    body.setSelectionRange(start + text.length, start + text.length);
    event.target.value = "";
  });

  // The timeline events can be hidden to read just the conversation.
  document.getElementById("show-events")?.addEventListener("change", (e) => {
    document.querySelector(".stream")?.classList.toggle("hide-events", !e.target.checked);
  });

  // Saving a filter saves what the address bar shows now (htmx keeps it current).
  document.getElementById("save-filter")?.addEventListener("submit", (e) => {
    const query = e.target.querySelector("input[name=query]");
    if (query) query.value = location.search.replace(/^\?/, "");
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && composer && event.target.closest?.("#composer")) {
      event.preventDefault();
      composer.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      if (help?.open) help.close(); else help?.showModal();
      return;
    }
    if (page === "queue") {
      if (event.key === "j") { event.preventDefault(); select(selected + 1); }
      else if (event.key === "k") { event.preventDefault(); select(selected - 1); }
      else if (event.key === "Enter" && selected >= 0) { const row = rows()[selected]; if (row) location.href = row.dataset.href; }
      else if (event.key === "c") { const link = document.querySelector("[data-shortcut=c]"); if (link) location.href = link.href; }
    } else if (page === "ticket") {
      if (event.key === "r") { event.preventDefault(); pick("reply"); }
      else if (event.key === "n") { event.preventDefault(); pick("note"); }
    }
  });
})();
