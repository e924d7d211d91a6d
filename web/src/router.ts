// The app's places and their URLs: one parser, one printer. Every view has a deep link:
// `/p/:project/R-3`, `/p/:project/T-12`, `/p/:project/S-4`, and `/s/:token` opens one shared
// session with no login.
import { useEffect, useState } from "preact/hooks";

export type Place =
  | { view: "home" }
  | { view: "login" }
  | { view: "workspace"; workspace: number }
  | { view: "batons"; workspace: number }
  | { view: "plan"; project: number }
  | { view: "item"; project: number; handle: string }
  | { view: "session"; project: number; session: string }
  | { view: "workers"; project: number }
  | { view: "fleet" }
  | { view: "share"; token: string };

const id = (text: string | undefined) => (text && /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : null);

export function parse(path: string): Place {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [a, b, c] = parts;
  if (a === "login") return { view: "login" };
  if (a === "fleet") return { view: "fleet" };
  if (a === "s" && b) return { view: "share", token: b };
  if (a === "w" && id(b)) {
    return c === "batons" ? { view: "batons", workspace: id(b)! } : { view: "workspace", workspace: id(b)! };
  }
  if (a === "p" && id(b)) {
    const project = id(b)!;
    if (!c) return { view: "plan", project };
    if (c === "workers") return { view: "workers", project };
    if (/^S-[1-9][0-9]*$/i.test(c)) return { view: "session", project, session: c.toUpperCase() };
    if (/^[RT]-[1-9][0-9]*$/i.test(c)) return { view: "item", project, handle: c.toUpperCase() };
  }
  return { view: "home" };
}

export function href(place: Place): string {
  switch (place.view) {
    case "home":
      return "/";
    case "login":
      return "/login";
    case "fleet":
      return "/fleet";
    case "share":
      return `/s/${encodeURIComponent(place.token)}`;
    case "workspace":
      return `/w/${place.workspace}`;
    case "batons":
      return `/w/${place.workspace}/batons`;
    case "plan":
      return `/p/${place.project}`;
    case "workers":
      return `/p/${place.project}/workers`;
    case "item":
      return `/p/${place.project}/${place.handle}`;
    case "session":
      return `/p/${place.project}/${place.session}`;
  }
}

const LAST_PLACE = "baton.last-place";

export function navigate(place: Place | string, replace = false) {
  const url = typeof place === "string" ? place : href(place);
  if (url === location.pathname) return;
  history[replace ? "replaceState" : "pushState"](null, "", url);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The current place; remembers the last place in a project or workspace so that opening the
 *  app again lands there. */
export function usePlace(): Place {
  const [place, setPlace] = useState(() => parse(location.pathname));
  useEffect(() => {
    const update = () => setPlace(parse(location.pathname));
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  useEffect(() => {
    if (!["home", "login", "share"].includes(place.view)) localStorage.setItem(LAST_PLACE, href(place));
  }, [place]);
  return place;
}

export function lastPlace(): string | null {
  return localStorage.getItem(LAST_PLACE);
}

/** Link clicks that stay in the app (no reload). */
export function follow(event: MouseEvent, url: string) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(url);
}
