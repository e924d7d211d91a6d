// @vitest-environment jsdom
// jsdom, not the default happy-dom: happy-dom's NodeIterator stops when the current node is
// removed, and DOMPurify walks with one, so under happy-dom a sanitizer test passes or fails
// for reasons that have nothing to do with the browser (capricorn86/happy-dom#2310).
import { describe, expect, test } from "vitest";
import { escapeHtml, renderMarkdown } from "./markdown";

function parse(html: string): DocumentFragment {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

const FORBIDDEN_TAGS = [
  "script", "iframe", "object", "embed", "svg", "math", "form", "base", "meta", "style",
  "img", "link", "input", "textarea", "template", "frame", "frameset", "video", "audio", "source",
];
const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "data", "background", "poster"];

function normalizeUrl(value: string): string {
  return value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
}

/** Every reason `html` could run code or load a resource; empty when it is inert. */
function hazards(html: string): string[] {
  const found: string[] = [];
  const root = parse(html);
  for (const tag of FORBIDDEN_TAGS) {
    if (root.querySelector(tag)) found.push(`<${tag}>`);
  }
  for (const el of Array.from(root.querySelectorAll("*"))) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) found.push(`${el.tagName} ${name}`);
      if (name === "style" || name === "srcdoc") found.push(`${el.tagName} ${name}`);
      const url = normalizeUrl(attr.value);
      if (URL_ATTRS.includes(name) && /^(javascript|data|vbscript):/.test(url)) {
        found.push(`${el.tagName} ${name}=${attr.value}`);
      }
    }
  }
  return found;
}

describe("GitHub-flavoured Markdown", () => {
  test("renders a table with its alignment", () => {
    const root = parse(renderMarkdown("| a | b |\n|---|:-:|\n| 1 | 2 |"));
    expect(root.querySelectorAll("table th")).toHaveLength(2);
    expect(root.querySelector("td:nth-child(2)")?.getAttribute("align")).toBe("center");
  });

  test("renders task lists as characters, not inputs", () => {
    const root = parse(renderMarkdown("- [x] done\n- [ ] todo"));
    const items = Array.from(root.querySelectorAll("li")).map((li) => li.textContent);
    expect(items).toEqual(["☑ done", "☐ todo"]);
    expect(root.querySelector("input")).toBeNull();
  });

  test("renders strikethrough, emphasis and headings", () => {
    const root = parse(renderMarkdown("# Title\n\n~~gone~~ **bold** _it_"));
    expect(root.querySelector("h1")?.textContent).toBe("Title");
    expect(root.querySelector("del")?.textContent).toBe("gone");
    expect(root.querySelector("strong")?.textContent).toBe("bold");
    expect(root.querySelector("em")?.textContent).toBe("it");
  });

  test("autolinks bare URLs", () => {
    const a = parse(renderMarkdown("see https://example.com/x now")).querySelector("a");
    expect(a?.getAttribute("href")).toBe("https://example.com/x");
  });

  test("keeps single newlines inside a paragraph (breaks: false)", () => {
    const root = parse(renderMarkdown("one\ntwo"));
    expect(root.querySelector("br")).toBeNull();
    expect(root.querySelector("p")?.textContent).toBe("one\ntwo");
  });

  test("highlights a fenced block of a registered language", () => {
    const root = parse(renderMarkdown("```rust\nfn main() { let x = 1; }\n```"));
    const code = root.querySelector("pre > code");
    expect(code?.className).toBe("hljs language-rust");
    expect(code?.querySelector(".hljs-keyword")?.textContent).toBe("fn");
    expect(code?.textContent).toBe("fn main() { let x = 1; }");
  });

  test.each([
    ["ts", "const x = 1;"],
    ["py", "def f(): pass"],
    ["sh", "echo hi"],
    ["shell", "echo hi"],
    ["toml", "[a]\nb = 1"],
    ["yml", "a: 1"],
    ["golang", "func f() {}"],
    ["json", '{"a": 1}'],
    ["diff", "+a\n-b"],
    ["sql", "SELECT 1"],
  ])("highlights the alias %s", (lang, code) => {
    const el = parse(renderMarkdown("```" + lang + "\n" + code + "\n```")).querySelector("code");
    expect(el?.classList.contains("hljs")).toBe(true);
    expect(el?.textContent).toBe(code);
  });

  test("escapes a block of an unknown language and does not guess one", () => {
    const root = parse(renderMarkdown("```brainfuck\n<b>not bold</b> fn main() {}\n```"));
    const code = root.querySelector("pre > code");
    expect(code?.textContent).toBe("<b>not bold</b> fn main() {}");
    expect(code?.querySelector("b, span")).toBeNull();
    expect(code?.hasAttribute("class")).toBe(false);
  });

  test("escapes a block without a language", () => {
    const code = parse(renderMarkdown("```\n<script>x</script>\n```")).querySelector("code");
    expect(code?.textContent).toBe("<script>x</script>");
  });
});

describe("links", () => {
  test("open in a new tab without opener or referrer", () => {
    const a = parse(renderMarkdown("[docs](https://example.com)")).querySelector("a");
    expect(a?.getAttribute("target")).toBe("_blank");
    expect(a?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
  });

  test("an HTML link's own target and rel are replaced", () => {
    const a = parse(renderMarkdown('<a href="https://x.test" target="_self" rel="opener">x</a>')).querySelector("a");
    expect(a?.getAttribute("target")).toBe("_blank");
    expect(a?.getAttribute("rel")).toBe("noopener noreferrer nofollow");
  });

  test.each([
    ["https://example.com/a?b=c#d"],
    ["http://example.com"],
    ["mailto:someone@example.com"],
    ["./relative/path"],
    ["/absolute/path"],
    ["#anchor"],
  ])("keeps the safe href %s", (href) => {
    const a = parse(renderMarkdown(`[x](${href})`)).querySelector("a");
    expect(a?.getAttribute("href")).toBe(href);
  });
});

describe("images", () => {
  test("a Markdown image becomes a button that loads nothing", () => {
    const root = parse(renderMarkdown("![a cat](https://evil.test/x.png)"));
    expect(root.querySelector("img")).toBeNull();
    const button = root.querySelector("button");
    expect(button?.getAttribute("type")).toBe("button");
    expect(button?.className).toBe("md-image");
    expect(button?.getAttribute("data-src")).toBe("https://evil.test/x.png");
    expect(button?.textContent).toBe("Show image: a cat");
  });

  test("an HTML image becomes a button too, without its handlers", () => {
    const html = renderMarkdown('<img src="https://evil.test/y.png" alt="<b>q</b>" onerror="alert(1)">');
    const button = parse(html).querySelector("button.md-image");
    expect(button?.getAttribute("data-src")).toBe("https://evil.test/y.png");
    expect(button?.textContent).toBe("Show image: <b>q</b>");
    expect(hazards(html)).toEqual([]);
  });

  test.each([["![a](javascript:alert(1))"], ["![a](data:image/png;base64,AAAA)"], ["<img src=x>"]])(
    "an image that is not http(s) is dropped: %s",
    (text) => {
      expect(parse(renderMarkdown(text)).querySelector("button, img")).toBeNull();
    },
  );

  test("the agent cannot write buttons of its own", () => {
    const root = parse(renderMarkdown('<button class="md-image" data-src="https://x.test/p.png">Approve</button>'));
    expect(root.querySelector("button")).toBeNull();
  });
});

describe("attributes", () => {
  test("only hljs-*, language-* and md-image classes survive", () => {
    const span = parse(renderMarkdown('<span class="hljs-keyword evil language-x">k</span>')).querySelector("span");
    expect(span?.className).toBe("hljs-keyword language-x");
  });

  test("md-image is a class of the image buttons only", () => {
    const span = parse(renderMarkdown('<span class="md-image hljs-string">k</span>')).querySelector("span");
    expect(span?.className).toBe("hljs-string");
  });

  test("a class attribute with nothing allowed is removed", () => {
    const span = parse(renderMarkdown('<span class="banner">k</span>')).querySelector("span");
    expect(span?.hasAttribute("class")).toBe(false);
  });

  test("no ids (they would clobber the page's globals)", () => {
    const p = parse(renderMarkdown('<p id="location" name="x">p</p>')).querySelector("p");
    expect(p?.hasAttribute("id")).toBe(false);
    expect(p?.hasAttribute("name")).toBe(false);
  });
});

const XSS_PAYLOADS = [
  "<script>alert(1)</script>",
  "text <script src=https://evil.test/x.js></script> more",
  "<img src=x onerror=alert(1)>",
  '<img src="https://evil.test/x.png" onerror="alert(1)" onload="alert(2)">',
  "<svg onload=alert(1)>",
  "<svg><script>alert(1)</script></svg>",
  "<svg><a xlink:href=\"javascript:alert(1)\"><text x=0 y=20>x</text></a></svg>",
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<iframe src="javascript:alert(1)"></iframe>',
  "[x](javascript:alert(1))",
  "[x](JaVaScRiPt:alert(1))",
  "[x](java&#x09;script:alert(1))",
  "[x](&#106;avascript:alert(1))",
  "[x](<javascript:alert(1)>)",
  "[x](javascript://%0aalert(1))",
  "<javascript:alert(1)>",
  "[x][evil]\n\n[evil]: javascript:alert(1)",
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
  '<a href="javascript&colon;alert(1)">x</a>',
  '<a href=" &#14;  javascript:alert(1)">x</a>',
  '<a href="jav&#x0A;ascript:alert(1)">x</a>',
  '<a href="JAVASCRIPT:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<a href="#" onclick="alert(1)">x</a>',
  '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
  '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">',
  "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
  "<details open ontoggle=alert(1)>",
  "<input autofocus onfocus=alert(1)>",
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<p style="width: expression(alert(1))">x</p>',
  "<style>@import 'javascript:alert(1)'; body { background: url(https://evil.test/t) }</style>",
  '<base href="javascript:/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<link rel="stylesheet" href="https://evil.test/x.css">',
  "<body onload=alert(1)>",
  "<video><source onerror=alert(1)></video>",
  "<marquee onstart=alert(1)>x</marquee>",
  '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
  "<template><script>alert(1)</script></template>",
  '<isindex action="javascript:alert(1)" type="image">',
  "<button onclick=alert(1)>x</button>",
  "`<script>alert(1)</script>` in a code span",
  "```html\n<script>alert(1)</script>\n```",
  "![a](https://evil.test/x.png)",
  '![a](https://evil.test/x.png "title" onerror=alert(1))',
  "- [x] <img src=x onerror=alert(1)>",
  "| a |\n|---|\n| <script>alert(1)</script> |",
];

describe("agent output is inert", () => {
  test("the corpus is large enough to mean something", () => {
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(30);
  });

  test.each(XSS_PAYLOADS.map((payload) => [payload]))("%s", (payload) => {
    expect(hazards(renderMarkdown(payload))).toEqual([]);
    // Also as part of a longer message, where Markdown parses it inline rather than as a block.
    expect(hazards(renderMarkdown(`Here is what I found:\n\n${payload}\n\nDone.`))).toEqual([]);
  });

  test("the checker itself catches what it looks for", () => {
    expect(hazards('<a href=" Java\tScript:x">a</a><p style="x" onclick="y">p</p><img src="https://x">')).toEqual([
      "<img>",
      "A href= Java\tScript:x",
      "P style",
      "P onclick",
    ]);
  });

  test("a javascript: link keeps its text but loses its href", () => {
    const a = parse(renderMarkdown("[click me](javascript:alert(1))")).querySelector("a");
    expect(a?.textContent).toBe("click me");
    expect(a?.hasAttribute("href")).toBe(false);
  });
});

describe("escapeHtml", () => {
  test("escapes the five HTML metacharacters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });
});
