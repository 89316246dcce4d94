// Messages that come and go (Radix Toast: announced to screen readers,
// paused while hovered or focused, swipe or Escape to dismiss). A toast
// stays long enough to read (longer for more words, and for errors), and a
// newer toast with the same id replaces an older one, so stale news goes.
import * as T from "@radix-ui/react-toast";
import { useSyncExternalStore, type ReactNode } from "react";
import { cn } from "../../lib/utils";

export type ToastTone = "success" | "error" | "info";

interface Item {
  id: string;
  key: number;
  tone: ToastTone;
  title: string;
  description?: ReactNode;
  duration: number;
}

let items: Item[] = [];
let seq = 0;
const listeners = new Set<() => void>();

function emit(): void {
  for (const l of listeners) l();
}

function readingTime(text: string, tone: ToastTone): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  const ms = 4000 + words * 300; // ~200 words a minute, and a moment to notice
  return Math.min(tone === "error" ? 20_000 : 12_000, Math.max(tone === "error" ? 8000 : 5000, ms));
}

export function toast(o: { title: string; description?: string; tone?: ToastTone; id?: string }): void {
  const tone = o.tone ?? "success";
  const id = o.id ?? `t${++seq}`;
  const item: Item = {
    id, key: ++seq, tone, title: o.title, description: o.description,
    duration: readingTime(`${o.title} ${o.description ?? ""}`, tone),
  };
  items = [...items.filter((i) => i.id !== id), item].slice(-4);
  emit();
}

// hasToast: a toast with this id is on screen.
export function hasToast(id: string): boolean {
  return items.some((i) => i.id === id);
}

export function dismissToast(id: string): void {
  items = items.filter((i) => i.id !== id);
  emit();
}

function useToasts(): Item[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => items,
  );
}

const tones: Record<ToastTone, string> = {
  success: "border-emerald-600",
  error: "border-red-700",
  info: "border-sky-700",
};

export function Toaster() {
  const list = useToasts();
  return (
    <T.Provider swipeDirection="right" label="Notification">
      {list.map((t) => (
        <T.Root
          key={t.key}
          duration={t.duration}
          type={t.tone === "error" ? "foreground" : "background"}
          onOpenChange={(open) => !open && dismissToast(t.id)}
          className={cn(
            "pointer-events-auto flex w-full items-start gap-3 rounded-lg border-l-4 bg-white p-4 shadow-lg ring-1 ring-slate-200",
            "data-[swipe=move]:translate-x-[var(--radix-toast-swipe-move-x)] data-[swipe=end]:animate-[slide-out_150ms_ease-in]",
            tones[t.tone],
          )}
        >
          <div className="min-w-0 flex-1">
            <T.Title className="text-sm font-semibold text-slate-950">{t.title}</T.Title>
            {t.description && <T.Description className="mt-1 text-sm text-slate-800">{t.description}</T.Description>}
          </div>
          <T.Close
            aria-label="Dismiss"
            className="-my-2 -mr-2 inline-flex size-11 shrink-0 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-700"
          >
            <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
              <path d="M5 5l10 10M15 5L5 15" />
            </svg>
          </T.Close>
        </T.Root>
      ))}
      <T.Viewport className="fixed right-0 bottom-0 z-[100] flex w-full max-w-sm flex-col gap-2 p-4 outline-none" />
    </T.Provider>
  );
}
