// Markdown shown in the app (agent messages, requirement and task bodies, comments): always
// through `renderMarkdown`, which sanitizes. Remote images arrive as buttons; one loads only
// when the person clicks it.
import { renderMarkdown } from "../markdown";

export function Markdown(props: { text: string; class?: string }) {
  return (
    <div
      class={props.class ? `md ${props.class}` : "md"}
      onClick={(event) => {
        const button = (event.target as HTMLElement).closest?.("button.md-image") as HTMLButtonElement | null;
        const src = button?.dataset.src;
        if (!button || !src || !/^https?:\/\//i.test(src)) return;
        event.preventDefault();
        const img = document.createElement("img");
        img.src = src;
        img.alt = button.textContent?.replace(/^Show image:\s*/, "") ?? "";
        img.referrerPolicy = "no-referrer";
        img.loading = "lazy";
        button.replaceWith(img);
      }}
      // Sanitized: renderMarkdown's DOMPurify pass (see markdown.ts).
      dangerouslySetInnerHTML={{ __html: renderMarkdown(props.text) }}
    />
  );
}
