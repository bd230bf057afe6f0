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
        const body = await response.json();
        const english = document.documentElement.lang === "en";
        result.className = response.ok ? "flash ok" : "flash error";
        result.textContent = response.ok
          ? (english ? "Uploaded: " : "Đã tải lên: ") + body.code + " v" + body.version
          : (english ? body.error.message_en : body.error.message);
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
