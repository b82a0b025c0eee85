// The bulletin's print button (a script file, not an inline handler: the CSP allows no inline
// script).
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
