// Placeholder page until the web UI exists: shows where the API is and whether it is up.
const origin = document.getElementById("origin");
if (origin) origin.textContent = window.location.origin;

const health = document.getElementById("health");
fetch("/api/health")
  .then((r) => r.json())
  .then((h: { status: string; version: string }) => {
    if (health) health.textContent = `${h.status} (version ${h.version})`;
  })
  .catch(() => {
    if (health) health.textContent = "unreachable";
  });
