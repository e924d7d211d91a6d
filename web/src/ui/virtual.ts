// A virtualized list for long transcripts (10,000 events and more): only the rows on screen
// are in the DOM, each measured once rendered. @tanstack/virtual-core does the arithmetic;
// this hook ties it to Preact the way its React adapter does.
import { useLayoutEffect, useReducer, useState } from "preact/hooks";
import {
  elementScroll,
  measureElement,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualizerOptions,
} from "@tanstack/virtual-core";

type Options = Pick<VirtualizerOptions<HTMLElement, HTMLElement>, "count" | "estimateSize" | "getItemKey"> & {
  scrollElement: () => HTMLElement | null;
};

export function useVirtualizer(options: Options): Virtualizer<HTMLElement, HTMLElement> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const resolved: VirtualizerOptions<HTMLElement, HTMLElement> = {
    count: options.count,
    estimateSize: options.estimateSize,
    getItemKey: options.getItemKey,
    getScrollElement: options.scrollElement,
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    measureElement,
    overscan: 6,
    onChange: () => rerender(0),
  };
  const [virtualizer] = useState(() => new Virtualizer(resolved));
  virtualizer.setOptions(resolved);
  useLayoutEffect(() => virtualizer._didMount(), []);
  useLayoutEffect(() => virtualizer._willUpdate());
  return virtualizer;
}
