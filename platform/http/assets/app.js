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
  // Ask before destructive actions.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
