/**
 * Markdown of agent messages, rendered to HTML that is safe to put into the page.
 *
 * An agent's output is untrusted: it repeats whatever it read (web pages, files, tool output),
 * so a prompt injection can make it write HTML meant to run in the reader's session. This module
 * owns the whole path from text to HTML: `marked` renders GitHub-flavoured Markdown, a small
 * highlight.js core colours fenced code, and a dedicated DOMPurify instance keeps only a fixed
 * list of elements and attributes. Remote images are never loaded here (they would tell a third
 * party who reads the session, and when): each becomes a `button.md-image` that the UI turns
 * into an image only when the reader asks.
 */
import { Marked, type Tokens } from "marked";
import createDOMPurify from "dompurify";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import yaml from "highlight.js/lib/languages/yaml";

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// Only the languages agents mostly write: every grammar costs bundle bytes on a phone. A private
// instance, so that no other importer of highlight.js changes what this one recognises.
const highlighter = hljs.newInstance();
highlighter.registerLanguage("rust", rust);
highlighter.registerLanguage("typescript", typescript);
highlighter.registerLanguage("javascript", javascript);
highlighter.registerLanguage("python", python);
highlighter.registerLanguage("bash", bash);
highlighter.registerLanguage("json", json);
highlighter.registerLanguage("diff", diff);
highlighter.registerLanguage("ini", ini); // its aliases include `toml`
highlighter.registerLanguage("yaml", yaml);
highlighter.registerLanguage("go", go);
highlighter.registerLanguage("sql", sql);
highlighter.registerAliases(["shell", "console"], { languageName: "bash" });

/** A fenced block: highlighted when the fence names a known language, else only escaped (no guessing). */
function renderCode({ text, lang }: Tokens.Code): string {
  const name = (lang ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (name && highlighter.getLanguage(name)) {
    const html = highlighter.highlight(text, { language: name, ignoreIllegals: true }).value;
    return `<pre><code class="hljs language-${escapeHtml(name)}">${html}</code></pre>\n`;
  }
  return `<pre><code>${escapeHtml(text)}</code></pre>\n`;
}

// Task-list boxes as characters: an <input> in agent output is not allowed, even a disabled one.
function renderCheckbox({ checked }: Tokens.Checkbox): string {
  return checked ? "☑ " : "☐ ";
}

const markdown = new Marked({
  gfm: true,
  breaks: false,
  renderer: { code: renderCode, checkbox: renderCheckbox },
});

const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "button", "code", "del", "details", "div", "em",
  "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s",
  "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
  "thead", "tr", "ul",
];
// `type`, `data-src` and `class` exist for the image buttons and code; the hooks narrow them.
const ALLOWED_ATTR = ["href", "title", "align", "start", "colspan", "rowspan", "open", "type", "class", "data-src"];

const SAFE_LINK_SCHEMES = new Set(["http", "https", "mailto"]);
const IMAGE_SCHEMES = new Set(["http", "https"]);

/**
 * The scheme of a URL as a browser would read it (lowercase, with the whitespace and control
 * characters it ignores removed), or null for a relative URL or an #anchor.
 */
function urlScheme(url: string): string | null {
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g, "").toLowerCase();
  const match = /^([^/?#]*?):/.exec(compact);
  return match ? match[1]! : null;
}

function isSafeLink(href: string): boolean {
  const scheme = urlScheme(href);
  return scheme === null || SAFE_LINK_SCHEMES.has(scheme);
}

function isImageUrl(src: string): boolean {
  const scheme = urlScheme(src);
  return scheme !== null && IMAGE_SCHEMES.has(scheme);
}

// highlight.js marks sub-scopes with a trailing underscore (`hljs-title function_`), which
// themes style; such names are plain words, so they are kept too.
function isAllowedClass(name: string, tag: string): boolean {
  return (
    name === "hljs" ||
    name.startsWith("hljs-") ||
    name.startsWith("language-") ||
    /^[a-z]+_+$/.test(name) ||
    (name === "md-image" && tag === "button")
  );
}

const purify = createDOMPurify(window);

// The buttons this module made from images: any other <button> came from the agent and goes.
const imageButtons = new WeakSet<Node>();

function imageButton(img: Element): Element | null {
  const src = (img.getAttribute("src") ?? "").trim();
  if (!isImageUrl(src)) return null;
  const button = img.ownerDocument.createElement("button");
  button.setAttribute("type", "button");
  button.setAttribute("class", "md-image");
  button.setAttribute("data-src", src);
  button.textContent = `Show image: ${img.getAttribute("alt") ?? ""}`;
  imageButtons.add(button);
  return button;
}

purify.addHook("uponSanitizeElement", (node, data) => {
  if (data.tagName === "img") {
    // Placed after the image, where the sanitizer's walk still visits it; the <img> itself is
    // not an allowed tag, so it is removed next.
    const button = imageButton(node as Element);
    if (button) node.parentNode?.insertBefore(button, node.nextSibling);
  } else if (data.tagName === "button" && !imageButtons.has(node)) {
    node.parentNode?.removeChild(node);
  }
});

function keepAllowedClasses(el: Element, tag: string): void {
  const kept = (el.getAttribute("class") ?? "").split(/\s+/).filter((name) => isAllowedClass(name, tag));
  if (kept.length > 0) el.setAttribute("class", kept.join(" "));
  else el.removeAttribute("class");
}

function secureLink(a: Element): void {
  const href = a.getAttribute("href");
  if (href !== null && !isSafeLink(href)) a.removeAttribute("href");
  // Opened apart from the app, which the linked page can then neither reach nor learn of.
  a.setAttribute("target", "_blank");
  a.setAttribute("rel", "noopener noreferrer nofollow");
}

purify.addHook("afterSanitizeAttributes", (el) => {
  const tag = el.tagName.toLowerCase();
  if (el.hasAttribute("class")) keepAllowedClasses(el, tag);
  if (tag === "a") secureLink(el);
  // `type` and `data-src` mean something only on the image buttons (the only buttons left).
  if (tag !== "button") {
    el.removeAttribute("type");
    el.removeAttribute("data-src");
  }
});

/** Agent Markdown → sanitized HTML, ready for `innerHTML` / `dangerouslySetInnerHTML`. */
export function renderMarkdown(text: string): string {
  // Where DOMPurify cannot run, its `sanitize` hands the input back unchanged: show text instead.
  if (!purify.isSupported) return `<p>${escapeHtml(text)}</p>`;
  const html = markdown.parse(text, { async: false });
  return purify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
  });
}
