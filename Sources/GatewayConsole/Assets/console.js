// ContactsGateway console: conveniences only; every form works without this file.
"use strict";
// Ask before a form that cannot be undone (revoke a key, remove a connection, delete a role).
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// A copy button beside a secret shown once. Hidden in the page, shown when this script runs.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.getAttribute("data-copy"));
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch {
        field.select();
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }
});
