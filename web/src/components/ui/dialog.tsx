// Radix's Dialog (focus trap, Escape, aria-modal, labelled by its title)
// with the app's look.
import * as D from "@radix-ui/react-dialog";
import { useEffect, type ComponentProps } from "react";
import { cn } from "../../lib/utils";

export const Dialog = D.Root;
export const DialogTrigger = D.Trigger;
export const DialogClose = D.Close;

export function DialogContent({ className, children, wide, ...props }: ComponentProps<typeof D.Content> & { wide?: boolean }) {
  return (
    <D.Portal>
      <D.Overlay className="fixed inset-0 z-40 bg-slate-950/50 data-[state=open]:animate-[fade-in_120ms_ease-out]" />
      <D.Content
        className={cn(
          "fixed z-50 flex flex-col bg-white shadow-2xl focus:outline-none",
          "inset-0 sm:inset-auto sm:top-1/2 sm:left-1/2 sm:-translate-x-1/2 sm:-translate-y-1/2 sm:rounded-xl",
          "sm:max-h-[calc(100dvh-2rem)] sm:w-[calc(100vw-2rem)]",
          wide ? "sm:max-w-5xl" : "sm:max-w-lg",
          className,
        )}
        {...props}
      >
        {children}
      </D.Content>
    </D.Portal>
  );
}

export function DialogHeader({ className, children, onClose, ...props }: ComponentProps<"div"> & { onClose?: () => void }) {
  return (
    <div className={cn("flex items-start justify-between gap-4 border-b border-slate-200 px-4 py-3 sm:px-6", className)} {...props}>
      <div className="min-w-0 py-2">{children}</div>
      {onClose ? (
        <button
          type="button"
          onClick={onClose}
          aria-label="Close"
          className="-mr-2 inline-flex size-11 shrink-0 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-700"
        >
          <CloseIcon />
        </button>
      ) : (
        <D.Close
          aria-label="Close"
          className="-mr-2 inline-flex size-11 shrink-0 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-700"
        >
          <CloseIcon />
        </D.Close>
      )}
    </div>
  );
}

function CloseIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
      <path d="M5 5l10 10M15 5L5 15" />
    </svg>
  );
}

export function DialogTitle({ className, ...props }: ComponentProps<typeof D.Title>) {
  return <D.Title className={cn("text-lg font-bold text-slate-950", className)} {...props} />;
}

export function DialogDescription({ className, ...props }: ComponentProps<typeof D.Description>) {
  return <D.Description className={cn("mt-1 text-sm text-slate-700", className)} {...props} />;
}

export function DialogBody({ className, ...props }: ComponentProps<"div">) {
  return <div data-dialog-body className={cn("min-h-0 flex-1 overflow-y-auto px-4 py-4 sm:px-6", className)} {...props} />;
}

export function DialogFooter({ className, ...props }: ComponentProps<"div">) {
  return (
    <div
      className={cn("flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 bg-slate-50 px-4 py-3 sm:rounded-b-xl sm:px-6", className)}
      {...props}
    />
  );
}

// useFocusWhenReady: a dialog whose content arrives after it opened (code
// loaded on demand, a query) has the focus on itself, since there was
// nothing to focus then; one whose content was replaced (an edit saved)
// has lost it. Once ready, the focus moves to the first control marked
// data-autofocus (else of its body, else of the dialog), as if it had
// opened with its content.
export function useFocusWhenReady(ready: boolean) {
  useEffect(() => {
    if (!ready) return;
    const active = document.activeElement;
    const lost = !active || active === document.body;
    const dialog = lost ? document.querySelector('[role="dialog"][data-state="open"]') : active;
    if (!(dialog instanceof HTMLElement) || dialog.getAttribute("role") !== "dialog") return;
    const focusable = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
    const first =
      dialog.querySelector<HTMLElement>(`[data-autofocus] :is(${focusable})`) ??
      dialog.querySelector<HTMLElement>(`[data-dialog-body] :is(${focusable})`) ??
      dialog.querySelector<HTMLElement>(focusable);
    first?.focus();
  }, [ready]);
}
