// The web app's figures, for `make bench` (bench/src/web.rs prepares a session of 10,000
// events and a share link to it, then runs this): what a browser downloads (gzipped JS and
// CSS of web/dist), the time from navigation to the rendered transcript, the time until the
// whole history is loaded by scrolling up, and the frame times while scrolling through it
// all, in Debian's headless Chromium. Prints one JSON object on stdout.
//
//   BATON_SHARE_URL  the session's share link
//   BATON_EVENTS     how many events the session holds
//   CHROMIUM         the browser binary
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const SHARE_URL = process.env.BATON_SHARE_URL;
const EVENTS = Number(process.env.BATON_EVENTS ?? 0);
if (!SHARE_URL || !EVENTS) throw new Error("BATON_SHARE_URL and BATON_EVENTS are set by bench/src/web.rs");

const assets = fileURLToPath(new URL("../dist/assets/", import.meta.url));
const shipped = { js: 0, css: 0 };
for (const name of readdirSync(assets)) {
  const kind = name.endsWith(".js") ? "js" : name.endsWith(".css") ? "css" : null;
  if (kind) shipped[kind] += gzipSync(readFileSync(assets + name), { level: 9 }).length;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

// Navigation to the newest rows on screen (the last turn's divider is the newest row).
const started = Date.now();
await page.goto(SHARE_URL);
await page.locator(".transcript .turn-divider").last().waitFor({ timeout: 60_000 });
const firstRenderMs = Date.now() - started;

// Scroll up until the first event is in (older pages load as the reader nears the top).
const loaded = Date.now();
await page.evaluate(async () => {
  const el = document.querySelector(".transcript");
  for (let i = 0; i < 3000; i++) {
    el.scrollTop = 0;
    el.dispatchEvent(new Event("scroll"));
    await new Promise((r) => setTimeout(r, 20));
    if (el.dataset.history === "complete" && el.querySelector('.vrow[data-index="0"]')) return;
  }
  throw new Error("the oldest event never arrived");
});
const historyMs = Date.now() - loaded;

// Scroll from the top to the bottom, 600 px a frame, and time every frame.
const frames = await page.evaluate(async () => {
  const el = document.querySelector(".transcript");
  const times = [];
  el.scrollTop = 0;
  let last = await new Promise((r) => requestAnimationFrame(r));
  while (el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
    el.scrollTop += 600;
    const now = await new Promise((r) => requestAnimationFrame(r));
    times.push(now - last);
    last = now;
  }
  return { times, height: el.scrollHeight, rows: el.querySelectorAll(".vrow").length };
});
const sorted = [...frames.times].sort((a, b) => a - b);
const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
await browser.close();

console.log(
  JSON.stringify({
    js_gzip_bytes: shipped.js,
    css_gzip_bytes: shipped.css,
    events: EVENTS,
    first_render_ms: firstRenderMs,
    full_history_ms: historyMs,
    scroll_frames: frames.times.length,
    scroll_px: frames.height,
    rows_in_dom: frames.rows,
    frame_p50_ms: pick(0.5),
    frame_p99_ms: pick(0.99),
    frame_max_ms: sorted[sorted.length - 1] ?? 0,
  }),
);
