// The composer: Enter sends, Shift+Enter is a newline; attachments by picker, drag-drop and
// paste (uploaded first, then referenced by id); slash commands with autocomplete; the draft
// survives a reload.
import { useEffect, useRef, useState } from "preact/hooks";
import { describe, patch, post } from "../api/client";
import type { Attachment, Session } from "../api/types";
import { completeSlash, parseSlash, SLASH_COMMANDS } from "../slash";
import { ErrorLine } from "../ui/kit";
import type { Endpoints } from "./transcript";

export function Composer(props: { endpoints: Endpoints; session: Session | null; onChanged?: () => void }) {
  const key = `baton.draft:${props.endpoints.base}`;
  const [text, setText] = useState(() => localStorage.getItem(key) ?? "");
  const [files, setFiles] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (text) localStorage.setItem(key, text);
    else localStorage.removeItem(key);
  }, [text, key]);
  const canAttach = !props.endpoints.shared;
  const suggestions = props.endpoints.shared ? [] : completeSlash(text);

  const upload = async (list: FileList | File[]) => {
    if (!canAttach) return;
    for (const file of Array.from(list)) {
      setUploading((n) => n + 1);
      try {
        const attachment = await post<Attachment>(
          `${props.endpoints.base}/attachments?filename=${encodeURIComponent(file.name || "pasted")}`,
          file,
        );
        setFiles((f) => [...f, attachment]);
      } catch (e) {
        setError(describe(e));
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };

  /** Runs a slash command; true when the text was one. */
  const command = async (line: string): Promise<boolean> => {
    const parsed = props.endpoints.shared ? null : parseSlash(line);
    if (!parsed) return false;
    const base = props.endpoints.base;
    switch (parsed.kind) {
      case "error":
        throw new Error(parsed.message);
      case "help":
        setNote(SLASH_COMMANDS.map((c) => `${c.usage}: ${c.description}`).join("\n"));
        break;
      case "clear":
        await post(`${base}/clear`);
        break;
      case "abort":
        await post(`${base}/abort`);
        break;
      case "plan":
        await patch(base, { plan_mode: parsed.on ?? !props.session?.plan_mode });
        break;
      case "model":
        await patch(base, { model: parsed.name, ...(parsed.effort ? { effort: parsed.effort } : {}) });
        break;
      case "permissions":
        await patch(base, { permissions: parsed.policy });
        break;
    }
    props.onChanged?.();
    return true;
  };

  const send = async () => {
    const body = text.trim();
    if ((!body && files.length === 0) || busy || uploading) return;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      if (!(await command(body))) {
        await post(`${props.endpoints.base}/messages`, {
          text: body,
          ...(files.length ? { attachments: files.map((f) => f.id) } : {}),
        });
      }
      setText("");
      setFiles([]);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => canAttach && e.preventDefault()}
      onDrop={(e) => {
        if (!canAttach || !e.dataTransfer?.files.length) return;
        e.preventDefault();
        void upload(e.dataTransfer.files);
      }}
    >
      {suggestions.length ? (
        <ul class="slash-menu" role="listbox" aria-label="Commands">
          {suggestions.map((c) => (
            <li role="option" aria-selected="false">
              <button type="button" class="quiet" onClick={() => setText(`/${c.name} `)}>
                <b>{c.usage}</b> <span class="muted">{c.description}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {files.length || uploading ? (
        <ul class="attachments">
          {files.map((f) => (
            <li>
              {f.filename}{" "}
              <button type="button" class="quiet" aria-label={`Remove ${f.filename}`} onClick={() => setFiles(files.filter((x) => x !== f))}>
                ×
              </button>
            </li>
          ))}
          {uploading ? <li>Uploading {uploading}…</li> : null}
        </ul>
      ) : null}
      {note ? <pre class="note">{note}</pre> : null}
      <ErrorLine error={error} />
      <div class="compose-row">
        {canAttach ? (
          <>
            <button type="button" class="quiet" title="Attach files (or drop or paste them)" onClick={() => picker.current?.click()}>
              Attach
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                if (input.files) void upload(input.files);
                input.value = "";
              }}
            />
          </>
        ) : null}
        <label class="grow">
          <span class="sr-only">Message</span>
          <textarea
            rows={2}
            value={text}
            placeholder={props.endpoints.shared ? "Write to this session…" : "Message the agent (/ for commands)…"}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            onPaste={(e) => {
              if (canAttach && e.clipboardData?.files.length) {
                e.preventDefault();
                void upload(e.clipboardData.files);
              }
            }}
            onKeyDown={(e) => {
              if (e.key === "Tab" && suggestions.length === 1) {
                e.preventDefault();
                setText(`/${suggestions[0].name} `);
              } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                void send();
              }
            }}
          />
        </label>
        <button type="submit" class="primary" disabled={busy || uploading > 0}>
          Send
        </button>
      </div>
    </form>
  );
}
