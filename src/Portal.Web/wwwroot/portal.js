// The few browser facts the pane needs from JavaScript.
window.portal = {
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || null,
  // Keeps a running activity's log at its newest line, unless the user scrolled up to read.
  followLog: (element) => {
    if (!element) return;
    const nearEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    if (nearEnd || !element.dataset.followed) {
      element.scrollTop = element.scrollHeight;
      element.dataset.followed = "1";
    }
  },
  copy: (text) => navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve(),
};

// The reconnect dialog's "Reload the page" buttons (no inline handlers: the CSP forbids inline script).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-portal-reload]")) location.reload();
});
