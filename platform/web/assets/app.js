// baocao — small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // "Đổi mã kiểm tra": load a fresh captcha image without leaving the page.
  for (const button of document.querySelectorAll("[data-refresh-captcha]")) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const img = document.getElementById(button.dataset.refreshCaptcha);
      if (img) img.src = "/captcha.png?t=" + Date.now();
    });
  }
  // Upload a regime plugin: the file goes to the API with the session's CSRF token.
  for (const button of document.querySelectorAll("[data-upload-regime]")) {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.uploadRegime);
      const result = document.getElementById(button.dataset.result);
      if (!input || !input.files || input.files.length === 0) return;
      button.disabled = true;
      try {
        const response = await fetch("/api/v1/regimes", {
          method: "POST",
          headers: { "Content-Type": "application/wasm", "X-CSRF-Token": button.dataset.csrf },
          body: await input.files[0].arrayBuffer(),
        });
        const body = await response.json().catch(() => null);
        result.className = response.ok ? "flash ok" : "flash error";
        result.textContent = response.ok ? `${say("Đã tải lên", "Uploaded")}: ${body.code} v${body.version}` : errorText(body);
        if (response.ok) setTimeout(() => window.location.reload(), 800);
      } finally {
        button.disabled = false;
      }
    });
  }
  // Ask before destructive actions.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});

// ------------------------------------------------------------------ shared
const english = () => document.documentElement.lang === "en";
const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const say = (vi, en) => (english() ? en : vi);
async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await response.json(); } catch (_) { json = null; }
  return { ok: response.ok, status: response.status, body: json };
}
const errorText = (body) => (body && body.error ? (english() ? body.error.message_en : body.error.message) : say("Lỗi kết nối, vui lòng thử lại.", "Connection error; please try again."));
const clock = () => new Date().toLocaleTimeString(english() ? "en-GB" : "vi-VN");

// --------------------------------------------------------------- the bell
document.addEventListener("DOMContentLoaded", () => {
  const bell = document.getElementById("bell");
  const count = document.getElementById("bell-count");
  if (!bell || !count || !window.EventSource) return;
  // Server-sent events: the unread count now, and whenever it changes on any instance.
  const stream = new EventSource(bell.dataset.stream);
  // Browsers allow six HTTP/1.1 connections per site: release this one as
  // soon as the page goes, or a few page changes would starve the next one.
  window.addEventListener("pagehide", () => stream.close());
  stream.addEventListener("unread", (event) => {
    const n = parseInt(event.data, 10) || 0;
    count.textContent = String(n);
    count.hidden = n === 0;
    bell.dataset.unread = String(n);
  });
});

// ------------------------------------------------------- the numeric grid
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.getElementById("report-grid");
  if (!grid) return;
  const zoomed = { size: 100 };
  for (const button of document.querySelectorAll("[data-zoom]")) {
    button.addEventListener("click", () => {
      zoomed.size = Math.min(160, Math.max(60, zoomed.size + 10 * parseInt(button.dataset.zoom, 10)));
      grid.style.fontSize = zoomed.size + "%";
    });
  }
  if (grid.dataset.editable !== "true") return;

  const id = grid.dataset.report;
  const key = "baocao:report:" + id;
  const status = document.getElementById("grid-status");
  const errorList = document.getElementById("grid-errors");
  const inputs = () => Array.from(grid.querySelectorAll("tbody input"));
  const cellInput = (row, col) => grid.querySelector(`tbody input[data-row="${CSS.escape(row)}"][data-col="${CSS.escape(col)}"]`);
  const format = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 2 });
  const formatEn = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 });
  const show = (value, type) => {
    if (value === null || value === undefined) return "";
    if (typeof value === "number" && type !== "text") return (english() ? formatEn : format).format(value);
    return String(value);
  };

  // What the user typed and has not saved, kept in the browser until saved.
  let draft = { version: parseInt(grid.dataset.version, 10), edits: {}, rowsAdded: [], rowsRemoved: [] };
  try {
    const stored = JSON.parse(localStorage.getItem(key) || "null");
    if (stored && stored.edits) draft = stored;
  } catch (_) { /* a broken draft is ignored */ }
  const keep = () => localStorage.setItem(key, JSON.stringify(draft));
  const restored = Object.keys(draft.edits);
  for (const k of restored) {
    const [row, col] = k.split("\u0001");
    const input = cellInput(row, col);
    if (input) { input.value = draft.edits[k]; input.classList.add("dirty"); }
  }
  if (restored.length > 0) {
    status.textContent = say(`Đã khôi phục ${restored.length} ô chưa lưu.`, `Restored ${restored.length} unsaved cells.`);
  }

  const body = () => ({
    version: draft.version,
    cells: Object.entries(draft.edits).map(([k, value]) => { const [row, col] = k.split("\u0001"); return { row, col, value: value === "" ? null : value }; }),
    rows_added: draft.rowsAdded,
    rows_removed: draft.rowsRemoved,
  });
  const markErrors = (cells) => {
    for (const input of inputs()) { input.classList.remove("invalid"); input.removeAttribute("title"); }
    errorList.textContent = "";
    for (const c of cells || []) {
      const message = english() ? c.message_en : c.message;
      const input = c.row && c.col ? cellInput(c.row, c.col) : null;
      if (input) { input.classList.add("invalid"); input.title = message; }
      const li = document.createElement("li");
      li.textContent = message;
      errorList.appendChild(li);
    }
  };
  const fill = (cells, everything) => {
    const byKey = new Map(cells.map((c) => [c.row + "\u0001" + c.col, c.value]));
    for (const input of inputs()) {
      const k = input.dataset.row + "\u0001" + input.dataset.col;
      if (input.readOnly || everything) {
        if (everything && !input.readOnly && k in draft.edits) continue;
        input.value = show(byKey.has(k) ? byKey.get(k) : null, input.dataset.type);
      }
    }
  };

  let timer = null;
  let computing = 0;
  const compute = async () => {
    const mine = ++computing;
    const result = await api("POST", grid.dataset.computeUrl, body());
    if (mine !== computing) return; // a newer edit is on its way
    if (result.ok) {
      fill(result.body.cells, false);
      markErrors(result.body.errors);
      status.textContent = result.body.errors.length === 0 ? say("Đã chuẩn hóa dữ liệu.", "Recomputed.") : say(`${result.body.errors.length} ô chưa hợp lệ.`, `${result.body.errors.length} cells are not valid.`);
    } else if (result.status === 422 && result.body && result.body.error.cells) {
      markErrors(result.body.error.cells);
      status.textContent = errorText(result.body);
    }
  };
  const edited = (input) => {
    draft.edits[input.dataset.row + "\u0001" + input.dataset.col] = input.value;
    input.classList.add("dirty");
    keep();
    clearTimeout(timer);
    timer = setTimeout(compute, 400);
  };

  const save = async () => {
    status.textContent = say("Đang lưu…", "Saving…");
    const result = await api("PUT", grid.dataset.saveUrl, body());
    if (result.ok) {
      draft = { version: result.body.version, edits: {}, rowsAdded: [], rowsRemoved: [] };
      localStorage.removeItem(key);
      grid.dataset.version = String(result.body.version);
      const v = document.getElementById("report-version");
      if (v) v.textContent = String(result.body.version);
      for (const input of inputs()) input.classList.remove("dirty", "conflict");
      fill(result.body.cells, true);
      markErrors([]);
      status.textContent = say("Đã lưu lúc ", "Saved at ") + clock();
      return true;
    }
    if (result.status === 422 && result.body && result.body.error.cells) {
      markErrors(result.body.error.cells);
    } else if (result.status === 409 && result.body && result.body.error.current) {
      // Somebody saved first: show what they changed; the next save is a deliberate overwrite.
      const current = result.body.error.current;
      for (const c of current.changed || []) {
        const input = cellInput(c.row, c.col);
        if (input) { input.classList.add("conflict"); input.title = say("Giá trị đang lưu: ", "Stored value: ") + show(c.value, input.dataset.type); }
      }
      draft.version = current.current_version;
      keep();
    }
    status.textContent = errorText(result.body);
    return false;
  };

  grid.addEventListener("input", (event) => { if (event.target.matches("tbody input")) edited(event.target); });

  // Spreadsheet keys: arrows, Enter (Shift+Enter goes up); Tab stays native.
  grid.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches("tbody input")) return;
    const cells = Array.from(input.closest("tr").querySelectorAll("input"));
    const col = cells.indexOf(input);
    const rows = Array.from(grid.querySelectorAll("tbody tr"));
    const row = rows.indexOf(input.closest("tr"));
    const at = (r, c) => (rows[r] ? rows[r].querySelectorAll("input")[c] : null);
    let next = null;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) next = at(row + 1, col);
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) next = at(row - 1, col);
    else if (event.key === "ArrowLeft" && input.selectionStart === 0 && input.selectionEnd === 0) next = cells[col - 1];
    else if (event.key === "ArrowRight" && input.selectionStart === input.value.length) next = cells[col + 1];
    if (next) { event.preventDefault(); next.focus(); next.select(); }
  });

  // Paste a block copied from Excel: tab-separated columns, one line per row.
  grid.addEventListener("paste", (event) => {
    const input = event.target;
    if (!input.matches("tbody input")) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!text.includes("\t") && !text.includes("\n")) return;
    event.preventDefault();
    const lines = text.replace(/\r/g, "").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const rows = Array.from(grid.querySelectorAll("tbody tr"));
    const startRow = rows.indexOf(input.closest("tr"));
    const startCol = Array.from(input.closest("tr").querySelectorAll("input")).indexOf(input);
    // Values that land on computed cells or beyond the table are not placed: say how many.
    let skipped = 0;
    lines.forEach((line, r) => {
      const tr = rows[startRow + r];
      const targets = tr ? tr.querySelectorAll("input") : [];
      line.split("\t").forEach((value, c) => {
        const target = targets[startCol + c];
        if (target && !target.readOnly) { target.value = value.trim(); edited(target); }
        else if (value.trim() !== "") skipped += 1;
      });
    });
    if (skipped > 0) {
      status.textContent = say(`${skipped} giá trị không dán được vì rơi vào ô tự tính hoặc ra ngoài bảng; hãy kiểm tra lại vùng dán.`,
        `${skipped} values were not pasted: they fell on computed cells or outside the table; check the pasted area.`);
    }
  });

  document.getElementById("grid-save").addEventListener("click", save);
  document.getElementById("grid-compute").addEventListener("click", compute);
  window.addEventListener("beforeunload", (event) => { if (Object.keys(draft.edits).length > 0) { event.preventDefault(); } });

  // Rows: added or removed with the edits, saved at once, then the page redraws.
  const addRow = async (row) => { draft.rowsAdded.push(row); keep(); if (await save()) window.location.reload(); else { draft.rowsAdded.pop(); keep(); } };
  const pick = document.getElementById("add-catalogue-row");
  if (pick) pick.addEventListener("click", () => {
    const select = document.getElementById("add-catalogue");
    const option = select.options[select.selectedIndex];
    if (option) addRow({ title: option.textContent, catalogue: option.value });
  });
  const free = document.getElementById("add-free-row");
  if (free) free.addEventListener("click", () => {
    const title = document.getElementById("add-free").value.trim();
    if (title) addRow({ title });
  });
  for (const button of grid.querySelectorAll(".remove-row")) {
    button.addEventListener("click", async () => {
      if (!window.confirm(say("Xóa dòng này?", "Remove this row?"))) return;
      draft.rowsRemoved.push(button.dataset.row);
      for (const k of Object.keys(draft.edits)) if (k.startsWith(button.dataset.row + "\u0001")) delete draft.edits[k];
      keep();
      if (await save()) window.location.reload(); else { draft.rowsRemoved.pop(); keep(); }
    });
  }
});

// ---------------------------------------------------- the narrative editor
document.addEventListener("DOMContentLoaded", () => {
  const narrative = document.querySelector(".narrative[data-report]");
  if (!narrative) return;
  const id = narrative.dataset.report;
  for (const button of narrative.querySelectorAll("[data-cmd]")) {
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => document.execCommand(button.dataset.cmd));
  }
  for (const editor of narrative.querySelectorAll(".editor[data-section]")) {
    const key = `baocao:report:${id}:section:${editor.dataset.section}`;
    const stored = localStorage.getItem(key);
    if (stored !== null && stored !== editor.innerHTML) { editor.innerHTML = stored; editor.classList.add("dirty"); }
    editor.addEventListener("input", () => { localStorage.setItem(key, editor.innerHTML); editor.classList.add("dirty"); });
  }
  for (const button of narrative.querySelectorAll("[data-save-section]")) {
    button.addEventListener("click", async () => {
      const code = button.dataset.saveSection;
      const editor = narrative.querySelector(`.editor[data-section="${CSS.escape(code)}"]`);
      const label = narrative.querySelector(`[data-section-status="${CSS.escape(code)}"]`);
      const result = await api("PUT", `/api/v1/reports/${id}/sections/${encodeURIComponent(code)}`, { version: parseInt(narrative.dataset.version, 10), html: editor.innerHTML });
      if (result.ok) {
        narrative.dataset.version = String(result.body.version);
        localStorage.removeItem(`baocao:report:${id}:section:${code}`);
        editor.classList.remove("dirty");
        label.textContent = say("Đã lưu lúc ", "Saved at ") + clock();
      } else {
        label.textContent = errorText(result.body);
      }
    });
  }
});

// ------------------------------------------------------------ attachments
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-upload-attachment]")) {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.uploadAttachment);
      const result = document.getElementById("attachment-result");
      if (!input.files || input.files.length === 0) return;
      const file = input.files[0];
      button.disabled = true;
      try {
        const response = await fetch(`/api/v1/reports/${button.dataset.report}/attachments?name=${encodeURIComponent(file.name)}`, {
          method: "POST", headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": button.dataset.csrf }, body: file,
        });
        if (response.ok) { window.location.reload(); return; }
        let body = null;
        try { body = await response.json(); } catch (_) { body = null; }
        result.textContent = errorText(body);
      } finally { button.disabled = false; }
    });
  }
  for (const button of document.querySelectorAll("[data-delete-attachment]")) {
    button.addEventListener("click", async () => {
      if (!window.confirm(say("Xóa tập tin này?", "Delete this file?"))) return;
      const result = await api("DELETE", `/api/v1/reports/${button.dataset.report}/attachments/${button.dataset.deleteAttachment}`);
      if (result.ok || result.status === 204) window.location.reload(); else window.alert(errorText(result.body));
    });
  }
});

// ------------------------------------------- provenance of aggregated cells
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("provenance");
  const grid = document.getElementById("report-grid");
  if (!panel || !grid) return;
  const format = new Intl.NumberFormat(english() ? "en-GB" : "vi-VN", { maximumFractionDigits: 2 });
  grid.addEventListener("focusin", async (event) => {
    const input = event.target;
    if (!input.matches("tbody input")) return;
    const { row, col } = input.dataset;
    const result = await api("GET", `/api/v1/reports/${grid.dataset.report}/cells/${encodeURIComponent(row)}/${encodeURIComponent(col)}/sources`);
    panel.hidden = false;
    panel.textContent = "";
    const title = document.createElement("h2");
    title.textContent = say("Nguồn số liệu của ô đã chọn", "Where the selected cell comes from");
    panel.appendChild(title);
    if (!result.ok) { panel.appendChild(document.createTextNode(errorText(result.body))); return; }
    if (result.body.length === 0) { panel.appendChild(document.createTextNode(say("Ô này không lấy từ báo cáo nào.", "This cell comes from no report."))); return; }
    const list = document.createElement("ul");
    for (const s of result.body) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/reports/${s.report_id}`;
      link.textContent = s.unit.name;
      li.appendChild(link);
      const shown = (v) => (typeof v === "number" ? format.format(v) : (v === null ? "—" : String(v)));
      const value = shown(s.value);
      const stale = s.version !== s.current_version ? say(` (đã đính chính sau khi tổng hợp, nay là ${shown(s.current_value)})`, ` (corrected since: now ${shown(s.current_value)})`) : "";
      li.appendChild(document.createTextNode(`: ${value} — ${say("phiên bản", "version")} ${s.version}${stale}`));
      list.appendChild(li);
    }
    panel.appendChild(list);
  });
});

// ------------------------------------------------------------ Excel import
document.addEventListener("DOMContentLoaded", () => {
  const preview = document.getElementById("import-preview");
  if (!preview) return;
  const save = document.getElementById("import-save");
  const status = document.getElementById("import-status");
  const result = document.getElementById("import-result");
  const value = (id) => encodeURIComponent(document.getElementById(id).value.trim());
  const send = async (dryRun) => {
    const input = document.getElementById("import-file");
    if (!input.files || input.files.length === 0) { status.textContent = say("Hãy chọn tập tin.", "Pick a file."); return null; }
    const query = `code_col=${value("import-code-col")}&data_col=${value("import-data-col")}&from_row=${value("import-from")}&to_row=${value("import-to")}&dry_run=${dryRun}`;
    // Large workbooks take a moment: say so until the answer comes.
    status.textContent = say("Đang xử lý tập tin…", "Processing the file…");
    preview.disabled = true; save.disabled = true;
    try {
      const response = await fetch(`/api/v1/reports/${preview.dataset.report}/xlsx?${query}`, {
        method: "POST", headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": csrfToken() }, body: input.files[0],
      });
      let body = null;
      try { body = await response.json(); } catch (_) { body = null; }
      return { ok: response.ok, body };
    } finally { preview.disabled = false; save.disabled = false; }
  };
  // A cell as the grid names it ("Tổng số – (4)"), a value as people write numbers (8,5; 2.400).
  const cellName = (row, col) => {
    const cell = document.querySelector(`.grid input[data-row="${CSS.escape(row)}"][data-col="${CSS.escape(col)}"]`);
    return (cell && cell.getAttribute("aria-label")) || `${row} / ${col}`;
  };
  const numbers = new Intl.NumberFormat(english() ? "en-GB" : "vi-VN", { maximumFractionDigits: 6 });
  const shown = (v) => (v === null || v === undefined ? "—" : typeof v === "number" ? numbers.format(v) : String(v));
  const show = (lines) => {
    result.textContent = "";
    for (const text of lines) { const li = document.createElement("li"); li.textContent = text; result.appendChild(li); }
  };
  preview.addEventListener("click", async () => {
    const answer = await send(true);
    if (!answer) return;
    if (!answer.ok) {
      status.textContent = errorText(answer.body);
      show(((answer.body && answer.body.error && answer.body.error.cells) || []).map((c) => (english() ? c.message_en : c.message)));
      save.hidden = true;
      return;
    }
    const changed = answer.body.changed;
    status.textContent = changed.length === 0 ? say("Tập tin không thay đổi số liệu nào.", "The file changes nothing.") : say(`${changed.length} ô sẽ thay đổi:`, `${changed.length} cells will change:`);
    show(changed.map((c) => `${cellName(c.row, c.col)}: ${shown(c.before)} → ${shown(c.after)}`));
    save.hidden = changed.length === 0;
  });
  save.addEventListener("click", async () => {
    const answer = await send(false);
    if (!answer) return;
    if (answer.ok) { window.location.reload(); return; }
    status.textContent = errorText(answer.body);
  });
});

// ------------------------------ "select all": every box of that name in the form
for (const all of document.querySelectorAll("input[data-pick-all]")) {
  all.addEventListener("change", () => {
    for (const box of all.form.querySelectorAll(`input[name="${all.dataset.pickAll}"]`)) box.checked = all.checked;
  });
}

// ---------------------------------- receiving unit: show the regime's receiver
(() => {
  const regime = document.getElementById("receiver-regime");
  const receiver = document.getElementById("receiver");
  if (!regime || !receiver) return;
  regime.addEventListener("change", () => {
    const chosen = regime.options[regime.selectedIndex];
    if (chosen && chosen.dataset.receiver) receiver.value = chosen.dataset.receiver;
  });
})();

// ------------------------------------------------- menu: what waits in queues
(() => {
  const counts = document.querySelectorAll(".queue-count[data-queue]");
  if (counts.length === 0) return;
  fetch("/api/v1/queues", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : [])).then((queues) => {
    for (const q of queues) {
      const badge = document.querySelector(`.queue-count[data-queue="${q.name}"]`);
      if (badge && q.count > 0) { badge.textContent = String(q.count); badge.hidden = false; }
    }
  }).catch(() => {});
})();

// A password-reset link carries its one-time code in the fragment (never sent
// to the server): put it in the form, then drop it from the address bar.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("token");
  if (!input || !location.hash.startsWith("#token=")) return;
  input.value = decodeURIComponent(location.hash.slice("#token=".length));
  history.replaceState(null, "", location.pathname);
});
