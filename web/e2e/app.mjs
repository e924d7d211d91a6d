// The web app end to end, in Debian's headless Chromium driven by playwright-core, against
// `wrangler dev` and a real `baton worker run` daemon with the scripted agent. Started by
// e2e/tests/web.rs, which prepares the server, a member who signs in, a project and an online
// worker, and passes them in the environment:
//
//   BATON_URL, BATON_USERNAME, BATON_PASSWORD, BATON_PROJECT (id), BATON_WORKER (W-N),
//   BATON_ADMIN_TOKEN (for checks from outside the browser), BATON_ADMIN_USERNAME and
//   BATON_ADMIN_PASSWORD (an admin's login, for the fleet), CHROMIUM (the browser binary),
//   BATON_SCREENSHOTS (optional: a folder to save the main views into).
//
// Each step prints `ok - <step>`; the first failure prints `not ok - <step>` with the reason
// and ends the run with status 1. Every page runs under the app's real CSP: a violation, a
// page error or a console error fails the run.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import net from "node:net";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through e2e/tests/web.rs)`);
  return value;
};
const SERVER = need("BATON_URL");
const USERNAME = need("BATON_USERNAME");
const PASSWORD = need("BATON_PASSWORD");
const PROJECT = need("BATON_PROJECT");
const WORKER = need("BATON_WORKER");
const ADMIN_TOKEN = need("BATON_ADMIN_TOKEN");
const SHOTS = process.env.BATON_SCREENSHOTS ?? "";
const WAIT = { timeout: 20_000 };
// Names of this run's things, unique so that a rerun against the same server finds its own.
const RUN = Date.now().toString(36);

// The browser reaches the server through this TCP relay, so the test can cut the network
// under a live stream (close every connection, refuse new ones) and mend it again.
const relay = { cut: false, pairs: new Set() };
const target = new URL(SERVER);
const proxy = net.createServer((client) => {
  if (relay.cut) return client.destroy();
  const upstream = net.connect(Number(target.port), target.hostname);
  const pair = { client, upstream };
  relay.pairs.add(pair);
  const close = () => {
    client.destroy();
    upstream.destroy();
    relay.pairs.delete(pair);
  };
  for (const socket of [client, upstream]) {
    socket.on("error", close);
    socket.on("close", close);
  }
  client.pipe(upstream);
  upstream.pipe(client);
});
await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const BASE = `http://127.0.0.1:${proxy.address().port}`;
const network = {
  cut() {
    relay.cut = true;
    for (const { client, upstream } of relay.pairs) {
      client.destroy();
      upstream.destroy();
    }
  },
  mend() {
    relay.cut = false;
  },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const problems = [];

/** A fresh browser context whose pages report CSP violations, page errors and console errors. */
async function context(options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  ctx.on("page", watch);
  return ctx;
}
function watch(page) {
  page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    // Refused requests (a bad login's 401, the stream cut on purpose) are expected answers.
    if (m.type() === "error" && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR/.test(text)) {
      problems.push(`console error on ${page.url()}: ${text}`);
    }
  });
}

let n = 0;
async function step(name, work) {
  n += 1;
  try {
    await work();
    if (problems.length) throw new Error(problems.join("\n"));
    console.log(`ok ${n} - ${name}`);
  } catch (error) {
    console.log(`not ok ${n} - ${name}\n  ${String(error?.stack ?? error).replace(/\n/g, "\n  ")}`);
    await browser.close();
    proxy.close();
    process.exit(1);
  }
}

async function api(method, path, body) {
  const response = await fetch(`${SERVER}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function signIn(page, password = PASSWORD) {
  await page.goto(`${BASE}/`);
  await page.getByLabel("Username").fill(USERNAME);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Sends a message with the composer (Enter sends; lines joined with Shift+Enter). */
async function send(page, text) {
  const box = page.getByPlaceholder(/Message the agent|Write to this session/);
  await box.fill(text);
  await box.press("Enter");
  await page.waitForFunction(() => !document.querySelector(".composer textarea")?.value, null, WAIT);
}

const transcript = (page) => page.locator(".transcript");

const main = await context();
const page = await main.newPage();
let sessionUrl = "";

await step("a bad login is refused with a clear message that names neither part", async () => {
  await signIn(page, "not the password");
  const alert = page.getByRole("alert");
  await alert.waitFor(WAIT);
  assert.equal(await alert.textContent(), "That username and password do not match an account.");
});

await step("signing in lands on the project's plan", async () => {
  await signIn(page);
  await page.getByRole("heading", { name: "Plan" }).waitFor(WAIT);
  assert.equal(new URL(page.url()).pathname, `/p/${PROJECT}`);
  const cookies = await main.cookies();
  const login = cookies.find((c) => c.name === "baton_login");
  assert.ok(login, "the login cookie is set");
  assert.equal(login.httpOnly, true);
  assert.equal(login.sameSite, "Strict");
});

let first = "";
let second = "";
await step("a requirement and two dependent tasks are created in the plan", async () => {
  await page.getByPlaceholder("New requirement…").fill(`Checkout works on phones ${RUN}`);
  await page.getByRole("button", { name: "Add requirement" }).click();
  const requirement = page.locator(".requirement", { hasText: `Checkout works on phones ${RUN}` });
  await requirement.waitFor(WAIT);
  await requirement.getByRole("button", { name: "+ Task" }).click();
  await requirement.getByPlaceholder(/New task in R-/).fill("Design the cart");
  await requirement.getByRole("button", { name: "Add task" }).click();
  const design = requirement.locator(".task", { hasText: "Design the cart" });
  await design.waitFor(WAIT);
  first = (await design.locator(".handle").textContent()).trim();
  await requirement.getByRole("button", { name: "+ Task" }).click();
  await requirement.getByPlaceholder(/New task in R-/).fill("Build the cart");
  await requirement.getByLabel(new RegExp(`${first} Design the cart`)).check();
  await requirement.getByRole("button", { name: "Add task" }).click();
  const build = requirement.locator(".task", { hasText: "Build the cart" });
  await build.waitFor(WAIT);
  second = (await build.locator(".handle").textContent()).trim();
  assert.match(await build.textContent(), new RegExp(`after ${first}`));
  assert.equal(await design.locator(".ready").count(), 1, "the first task is ready");
  assert.equal(await build.locator(".ready").count(), 0, "the second waits for the first");
  const indent = async (l) => l.evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
  assert.ok((await indent(build)) > (await indent(design)), "the dependent task is indented deeper");
});

await step("a task opens at its deep link and its status is edited", async () => {
  await page.goto(`${BASE}/p/${PROJECT}/${second}`);
  await page.getByRole("heading", { name: /Build the cart/ }).waitFor(WAIT);
  assert.match(await page.textContent("article"), new RegExp(`Waits for ${first}`));
  await page.getByRole("button", { name: "Edit" }).click();
  await page.getByLabel("Description (Markdown)").fill("Uses **the** cart API.\n\n<script>window.pwned=1</script>");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".md strong", { hasText: "the" }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => window.pwned), undefined, "no script from a body runs");
  await page.getByPlaceholder("Add a comment (Markdown)…").fill("Cart API agreed with **design**.");
  await page.getByRole("button", { name: "Comment" }).click();
  const comment = page.locator(".comments li", { hasText: "Cart API agreed with" });
  await comment.waitFor(WAIT);
  assert.match(await comment.locator(".meta").textContent(), new RegExp(USERNAME));
});

await step("a session starts on the online worker for a task", async () => {
  await page.getByRole("link", { name: "Workers & sessions" }).click();
  const worker = page.locator(".worker", { hasText: WORKER });
  await worker.locator(".online").waitFor(WAIT);
  await worker.getByPlaceholder("Session name (optional)").fill(`web demo ${RUN}`);
  await worker.getByLabel("Task").selectOption({ label: `${first} Design the cart` });
  await worker.getByRole("button", { name: `Start session on ${WORKER}` }).click();
  await page.getByRole("heading", { name: new RegExp(`web demo ${RUN}`) }).waitFor(WAIT);
  sessionUrl = page.url();
  assert.match(new URL(sessionUrl).pathname, new RegExp(`^/p/${PROJECT}/S-[0-9]+$`));
});

await step("a message gets its answer live", async () => {
  await send(page, "hello from the browser");
  await transcript(page).locator(".msg.agent", { hasText: "hello from the browser" }).waitFor(WAIT);
  await transcript(page).locator(".turn-divider", { hasText: "Turn done" }).first().waitFor(WAIT);
});

await step("an approval card answered in the browser lets the turn finish", async () => {
  await send(page, "approve: touch approved.txt");
  const card = transcript(page).locator(".input-card.pending");
  await card.waitFor(WAIT);
  assert.match(await card.textContent(), /Bash: touch approved.txt/);
  await page.getByRole("button", { name: "1 waiting for you" }).waitFor(WAIT); // the header's badge
  await card.getByRole("button", { name: "Allow" }).click();
  await transcript(page).locator(".msg.agent", { hasText: "answer: allow" }).waitFor(WAIT);
  await transcript(page).locator(".input-card", { hasText: "Allowed by" }).waitFor(WAIT);
  await page.locator(".working").waitFor({ state: "detached", ...WAIT });
  await page.getByRole("button", { name: "0 waiting for you" }).waitFor(WAIT);
});

await step("a question is answered in the browser in the person's own words", async () => {
  await send(page, "ask: Which color should the cart be?");
  const card = transcript(page).locator(".input-card.pending");
  await card.waitFor(WAIT);
  assert.match(await card.textContent(), /The agent asks.*Which color should the cart be\?/);
  await card.getByPlaceholder("Or answer in your own words…").fill("Blue, like the logo");
  await card.getByRole("button", { name: "Answer" }).click();
  await transcript(page)
    .locator(".msg.agent", { hasText: 'answer: {"Which color should the cart be?":"Blue, like the logo"}' })
    .waitFor(WAIT);
  await page.locator(".working").waitFor({ state: "detached", ...WAIT });
});

await step("a reload mid-turn loses nothing", async () => {
  const box = page.getByPlaceholder(/Message the agent/);
  await box.fill("sleep 2500");
  await box.press("Shift+Enter");
  await box.type("write notes.txt: written while reloading");
  await box.press("Enter");
  await page.locator(".working").waitFor(WAIT);
  await page.reload();
  await page.locator(".working").waitFor(WAIT);
  await transcript(page).locator(".msg.agent", { hasText: "wrote notes.txt" }).waitFor(WAIT);
  assert.equal(await transcript(page).locator(".msg.user", { hasText: "written while reloading" }).count(), 1, "once");
  const session = new URL(sessionUrl).pathname.split("/").pop();
  const events = (await api("GET", `/api/sessions/${session}/events?limit=1000`)).body.items;
  const keys = events.map((e) => e.seq);
  assert.equal(new Set(keys).size, keys.length);
  // The view holds every event the server has, in order: the newest rows end the transcript.
  const last = events.filter((e) => e.type === "agent_event" && e.event.kind === "agent_message").pop();
  const shown = await transcript(page).locator(".msg.agent").last().textContent();
  assert.equal(shown.trim(), last.event.text.trim());
});

await step("a cut network shows the banner, then the transcript catches up", async () => {
  const session = new URL(sessionUrl).pathname.split("/").pop();
  network.cut();
  await page.getByText(/Reconnecting/).waitFor(WAIT);
  const posted = await api("POST", `/api/sessions/${session}/messages`, { text: "sent while you were offline" });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  network.mend();
  await transcript(page).locator(".msg.user", { hasText: "sent while you were offline" }).waitFor(WAIT);
  await transcript(page).locator(".msg.agent", { hasText: "sent while you were offline" }).waitFor(WAIT);
  await page.getByText(/Reconnecting/).waitFor({ state: "detached", ...WAIT });
});

await step("the composer: slash commands complete and act, attachments upload and go with the message", async () => {
  const box = page.getByPlaceholder(/Message the agent/);
  await box.fill("/p");
  const menu = page.getByRole("listbox", { name: "Commands" });
  await menu.waitFor(WAIT);
  assert.deepEqual(
    (await menu.getByRole("option").allTextContents()).map((t) => t.split(" ")[0]),
    ["/plan", "/permissions"],
  );
  await box.fill("/plan on");
  await box.press("Enter");
  await page.locator('button.chip-button[aria-pressed="true"]', { hasText: "plan mode" }).waitFor(WAIT);
  await box.fill("/plan off");
  await box.press("Enter");
  await page.locator('button.chip-button[aria-pressed="false"]', { hasText: "plan mode" }).waitFor(WAIT);
  await box.fill("/nope");
  await box.press("Enter");
  await page.getByRole("alert").filter({ hasText: "unknown command /nope" }).waitFor(WAIT);
  await box.fill("a draft that survives a reload");
  await page.reload();
  assert.equal(await page.getByPlaceholder(/Message the agent/).inputValue(), "a draft that survives a reload");
  await page.getByPlaceholder(/Message the agent/).fill("");
  await page.locator('.composer input[type="file"]').setInputFiles({
    name: "notes.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("remember the milk\n"),
  });
  await page.locator(".composer .attachments", { hasText: "notes.txt" }).waitFor(WAIT);
  await send(page, "see the attached notes");
  await transcript(page).locator(".msg.user", { hasText: "attached notes.txt" }).waitFor(WAIT);
});

let shareUrl = "";
await step("a share link is created and opens only that session, with no login", async () => {
  await page.getByRole("button", { name: "Share" }).click();
  await page.getByRole("button", { name: "New link that may write" }).click();
  const field = page.getByLabel(/shown once/);
  await field.waitFor(WAIT);
  shareUrl = await field.inputValue();
  assert.match(shareUrl, /\/s\/bts_/);
  await page.getByRole("button", { name: "Close" }).click();

  const guest = await context();
  const view = await guest.newPage();
  const response = await view.goto(shareUrl);
  assert.equal(response.headers()["referrer-policy"], "no-referrer");
  assert.match(response.headers()["content-security-policy"], /connect-src 'self'/);
  await transcript(view).locator(".msg.user", { hasText: "sent while you were offline" }).waitFor(WAIT);
  assert.equal(await view.locator("nav.side").count(), 0, "no way to anything else");
  const elsewhere = await view.evaluate(async () => (await fetch("/api/workspaces")).status);
  assert.equal(elsewhere, 401, "the page holds no credential for the rest of the API");
  await send(view, "a guest says hi");
  await transcript(view).locator(".msg.agent", { hasText: "a guest says hi" }).waitFor(WAIT);
  await transcript(page).locator(".msg.user", { hasText: "a guest says hi" }).waitFor(WAIT);
  // A read-only link shows the same live view with no composer.
  const session = new URL(sessionUrl).pathname.split("/").pop();
  const read = await api("POST", `/api/sessions/${session}/shares`, { mode: "read" });
  const reader = await guest.newPage();
  await reader.goto(read.body.url);
  await reader.getByText("This link is read-only").waitFor(WAIT);
  await transcript(reader).locator(".msg.user", { hasText: "a guest says hi" }).waitFor(WAIT);
  assert.equal(await reader.locator(".composer").count(), 0, "no composer on a read link");
  await guest.close();
});

await step("a page on another origin cannot act with the login cookie (CSRF)", async () => {
  const name = `evil-${RUN}`;
  const session = new URL(sessionUrl).pathname.split("/").pop();
  const clear = `${BASE}/api/sessions/${session}/clear`;
  // Three attacks from a page the signed-in browser visits: a text/plain "JSON" body (what a
  // form can send), and a body-less fetch and form post, which pass the JSON rule and meet
  // the origin check. The cookie rides along on all three (the other origin is the same
  // site), so the server must refuse on its own: a missing cookie would have been a 401.
  const evil = createServer((_, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><form id="f" method="post" action="${clear}"></form>
      <script>
        const post = (url, body) => fetch(url, { method: "POST", credentials: "include", mode: "no-cors",
          headers: { "content-type": "text/plain" }, body });
        post(${JSON.stringify(`${BASE}/api/workspaces`)}, JSON.stringify({ name: ${JSON.stringify(name)} }))
          .then(() => post(${JSON.stringify(clear)}))
          .finally(() => document.getElementById("f").submit());
      </script>`);
  });
  await new Promise((resolve) => evil.listen(0, "127.0.0.1", resolve));
  const attacker = await main.newPage();
  const posts = [];
  attacker.on("request", (r) => r.method() === "POST" && r.url().startsWith(`${BASE}/api/`) && posts.push(r));
  await attacker.goto(`http://127.0.0.1:${evil.address().port}/`);
  await attacker.waitForURL(clear, WAIT);
  assert.match(await attacker.locator("body").textContent(), /cross-site request may not use the login cookie/);
  const answers = [];
  for (const r of posts) {
    const response = await r.response();
    answers.push(`${response?.status()} ${new URL(r.url()).pathname}`);
  }
  // 403, not 401: the cookie was sent and authenticated, and the origin check refused it.
  assert.deepEqual(answers, ["415 /api/workspaces", `403 /api/sessions/${session}/clear`, `403 /api/sessions/${session}/clear`]);
  await attacker.close();
  evil.close();
  const listed = await api("GET", "/api/workspaces?limit=200");
  assert.ok(!listed.body.items.some((w) => w.name === name), "no workspace was created");
  const events = await api("GET", `/api/sessions/${session}/events?limit=1000`);
  assert.ok(!events.body.items.some((e) => e.type === "context_cleared"), "the session was not cleared");
});

await step("projects are created, renamed and deleted from the workspace page, the delete naming what goes", async () => {
  await page.goto(`${BASE}/p/${PROJECT}`);
  await page.getByRole("link", { name: "Projects" }).click();
  const name = `side project ${RUN}`;
  page.once("dialog", (d) => d.accept(name));
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByRole("heading", { name: "Plan" }).waitFor(WAIT);
  const created = new URL(page.url()).pathname.split("/").pop();
  await page.getByRole("link", { name: "Projects" }).click();
  const card = page.locator(".card", { hasText: name });
  page.once("dialog", (d) => d.accept(`${name} renamed`));
  await card.getByRole("button", { name: "Rename" }).click();
  const renamed = page.locator(".card", { hasText: `${name} renamed` });
  await renamed.waitFor(WAIT);
  await renamed.getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor(WAIT);
  assert.match(await dialog.textContent(), /0 requirements, 0 tasks with their comments, 0 sessions with their transcripts/);
  await dialog.getByRole("button", { name: "Delete" }).click();
  await renamed.waitFor({ state: "detached", ...WAIT });
  assert.equal((await api("GET", `/api/projects/${created}`)).status, 404, "the project is gone");
});

await step("the batons view lists the workspace's batons, live", async () => {
  const project = await api("GET", `/api/projects/${PROJECT}`);
  await page.goto(`${BASE}/w/${project.body.workspace_id}/batons`);
  await page.getByRole("heading", { name: "Batons" }).waitFor(WAIT);
  const passed = await api("POST", "/api/pass", { task: `check the cart ${RUN}`, workspace_id: project.body.workspace_id });
  assert.equal(passed.status, 201, JSON.stringify(passed.body));
  const row = page.locator("tr", { hasText: passed.body.baton_id });
  await row.waitFor(WAIT);
  assert.match(await row.textContent(), /pending/);
  await api("POST", `/api/cancel/${passed.body.baton_id}`, {});
  await row.locator(".chip-cancelled").waitFor(WAIT);
  assert.equal(await page.getByRole("link", { name: "Fleet" }).count(), 0, "the fleet is for admins");
});

await step("opening the app again lands where the person was, and a phone gets a drawer", async () => {
  await page.goto(sessionUrl);
  await page.getByRole("heading", { name: new RegExp(`web demo ${RUN}`) }).waitFor(WAIT);
  await page.goto(`${BASE}/`);
  await page.waitForURL(sessionUrl, WAIT);
  const phone = await context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await signIn(p);
  await p.getByRole("heading", { name: "Plan" }).waitFor(WAIT);
  const workers = p.getByRole("link", { name: "Workers & sessions" });
  assert.equal(await workers.isVisible(), false, "the navigation is folded away");
  await p.getByRole("button", { name: "Menu" }).click();
  await workers.click();
  await p.getByRole("heading", { name: "Workers & sessions" }).waitFor(WAIT);
  await workers.waitFor({ state: "hidden", ...WAIT }); // the drawer closes after a choice
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `nothing wider than the phone (${overflow} px)`);
  await phone.close();
});

await step("an admin's fleet shows every project's workers and busy sessions", async () => {
  const admin = await context();
  const p = await admin.newPage();
  await p.goto(`${BASE}/fleet`);
  await p.getByLabel("Username").fill(need("BATON_ADMIN_USERNAME"));
  await p.getByLabel("Password").fill(need("BATON_ADMIN_PASSWORD"));
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("heading", { name: "Fleet" }).waitFor(WAIT);
  const row = p.locator("tr", { hasText: WORKER });
  await row.first().waitFor(WAIT);
  assert.match(await row.first().textContent(), /1 \/ 1/, "one worker, online");
  await admin.close();
});

await step("axe-core finds no serious or critical violation on the main views", async () => {
  const require = createRequire(import.meta.url);
  const axePath = require.resolve("axe-core/axe.min.js");
  // axe is injected as a script, which the app's CSP (rightly) refuses: this context only.
  const audit = await context({ bypassCSP: true });
  const p = await audit.newPage();
  const check = async (label) => {
    await p.addScriptTag({ path: axePath });
    const result = await p.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ["violations"] });
      return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    });
    assert.deepEqual(result, [], `${label}: ${result.join("\n")}`);
  };
  await p.goto(`${BASE}/`);
  await p.getByLabel("Username").waitFor(WAIT);
  await check("login");
  await p.getByLabel("Username").fill(USERNAME);
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Sign in" }).click();
  for (const [label, path, ready] of [
    ["plan", `/p/${PROJECT}`, ".requirement"],
    ["workers", `/p/${PROJECT}/workers`, ".worker"],
    ["session", new URL(sessionUrl).pathname, ".msg.agent"],
    ["task", `/p/${PROJECT}/${second}`, "article"],
  ]) {
    await p.goto(`${BASE}${path}`);
    await p.locator(ready).first().waitFor(WAIT);
    await check(label);
  }
  await audit.close();
});

if (SHOTS) {
  await step(`screenshots of the main views are saved in ${SHOTS}`, async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const scheme of ["light", "dark"]) {
      for (const [device, options] of [
        ["desktop", { viewport: { width: 1280, height: 800 } }],
        ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
      ]) {
        const ctx = await context({ colorScheme: scheme, ...options });
        const p = await ctx.newPage();
        await signIn(p);
        for (const [label, path, ready] of [
          ["plan", `/p/${PROJECT}`, ".requirement"],
          ["session", new URL(sessionUrl).pathname, ".msg.agent"],
        ]) {
          await p.goto(`${BASE}${path}`);
          await p.locator(ready).first().waitFor(WAIT);
          await p.waitForTimeout(300);
          await p.screenshot({ path: `${SHOTS}/${label}-${device}-${scheme}.png` });
        }
        await ctx.close();
      }
    }
  });
}

await browser.close();
proxy.close();
console.log(`${n} passed`);
