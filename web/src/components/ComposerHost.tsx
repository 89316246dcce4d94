// The one dialog for writing and opening posts, reachable from every page:
// compose(at?) opens a new post (at a time, from a calendar slot),
// openPost(id) opens an existing one.
import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Dialog, DialogContent, DialogTitle } from "./ui/dialog";
import { loadTwitterText } from "../lib/weighted";

// The composer and the post dialog load on first use (or when the browser
// is idle after sign-in: preloadDialogs).
const loadDialogs = () => import("./PostDialog");
const Composer = lazy(() => loadDialogs().then((m) => ({ default: m.Composer })));
const PostDialogBody = lazy(() => loadDialogs().then((m) => ({ default: m.PostDialogBody })));

export function preloadDialogs(): void {
  void loadDialogs().catch(() => {});
}

type Open = { kind: "new"; at?: number; n: number } | { kind: "post"; id: string; edit: boolean; n: number } | null;

interface ComposerApi {
  compose(at?: number): void;
  openPost(id: string, edit?: boolean): void;
}

const Ctx = createContext<ComposerApi | null>(null);

export function useComposer(): ComposerApi {
  const c = useContext(Ctx);
  if (!c) throw new Error("useComposer outside ComposerHost");
  return c;
}

let n = 0;

export function ComposerHost({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState<Open>(null);
  // What closing asks first (the composer's unsaved-change guard).
  const requestClose = useRef<(() => void) | null>(null);
  // Where the focus goes back to when the dialog closes (it is opened from
  // buttons all over the app, not from a Radix trigger).
  const returnFocus = useRef<HTMLElement | null>(null);
  const close = useCallback(() => {
    requestClose.current = null;
    setOpen(null);
  }, []);
  // Radix gives Escape to its top layer, which is a toast whenever one is
  // showing: Escape pressed inside this dialog closes the dialog (through
  // its unsaved-change guard), whatever toasts are up.
  const isOpen = open !== null;
  useEffect(() => {
    if (!isOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      const inside = document.activeElement?.closest('[role="dialog"], [role="alertdialog"]');
      if (!inside?.hasAttribute("data-composer-host")) return;
      e.preventDefault();
      e.stopPropagation();
      if (requestClose.current) requestClose.current();
      else close();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [isOpen, close]);
  const api = useMemo<ComposerApi>(() => ({
    compose: (at) => {
      void loadTwitterText().catch(() => {});
      returnFocus.current = document.activeElement as HTMLElement | null;
      setOpen({ kind: "new", at, n: ++n });
    },
    openPost: (id, edit = false) => {
      returnFocus.current = document.activeElement as HTMLElement | null;
      setOpen({ kind: "post", id, edit, n: ++n });
    },
  }), []);

  return (
    <Ctx.Provider value={api}>
      {children}
      <Dialog
        open={open !== null}
        onOpenChange={(o) => {
          if (o) return;
          if (requestClose.current) requestClose.current();
          else close();
        }}
      >
        {open && (
          <DialogContent
            wide={open.kind === "new" || open.edit}
            data-composer-host
            aria-describedby={undefined}
            key={open.n}
            onCloseAutoFocus={(e) => {
              e.preventDefault();
              const el = returnFocus.current;
              if (el?.isConnected && el !== document.body) el.focus();
              else document.getElementById("main")?.focus();
            }}
          >
            <Suspense fallback={<Loading />}>
              {open.kind === "new" ? (
                <Composer mode="new" at={open.at} onDone={close} onCancel={close} requestClose={requestClose} />
              ) : (
                <PostDialogBody
                  id={open.id}
                  edit={open.edit}
                  setEdit={(edit) => setOpen((o) => (o && o.kind === "post" ? { ...o, edit } : o))}
                  onClose={close}
                  requestClose={requestClose}
                />
              )}
            </Suspense>
          </DialogContent>
        )}
      </Dialog>
    </Ctx.Provider>
  );
}

function Loading() {
  return (
    <div className="p-6">
      <DialogTitle>Loading…</DialogTitle>
    </div>
  );
}
