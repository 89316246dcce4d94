// Radix's AlertDialog for confirmations, and useConfirm: `await
// confirm({...})` is true when the person confirmed.
import * as A from "@radix-ui/react-alert-dialog";
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from "react";
import { buttonClass } from "./button";

export interface ConfirmOptions {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
}

type Confirm = (o: ConfirmOptions) => Promise<boolean>;

const ConfirmContext = createContext<Confirm | null>(null);

export function useConfirm(): Confirm {
  const c = useContext(ConfirmContext);
  if (!c) throw new Error("useConfirm outside ConfirmProvider");
  return c;
}

export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState<ConfirmOptions | null>(null);
  const resolver = useRef<((v: boolean) => void) | null>(null);
  const confirm = useCallback<Confirm>((o) => {
    resolver.current?.(false);
    setOpen(o);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);
  const finish = (v: boolean) => {
    resolver.current?.(v);
    resolver.current = null;
    setOpen(null);
  };
  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <ConfirmDialog options={open} onAnswer={finish} />
    </ConfirmContext.Provider>
  );
}

export function ConfirmDialog({ options, onAnswer }: { options: ConfirmOptions | null; onAnswer: (v: boolean) => void }) {
  return (
    <A.Root open={options !== null} onOpenChange={(o) => !o && onAnswer(false)}>
      <A.Portal>
        <A.Overlay className="fixed inset-0 z-[60] bg-slate-950/50" />
        <A.Content className="fixed top-1/2 left-1/2 z-[70] w-[calc(100vw-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-6 shadow-2xl focus:outline-none">
          {options && (
            <>
              <A.Title className="text-lg font-bold text-slate-950">{options.title}</A.Title>
              <A.Description asChild>
                <div className="mt-2 space-y-2 text-sm text-slate-800">{options.description}</div>
              </A.Description>
              <div className="mt-6 flex flex-wrap justify-end gap-2">
                <A.Cancel className={buttonClass("secondary")}>{options.cancelLabel ?? "Cancel"}</A.Cancel>
                <A.Action className={buttonClass(options.danger ? "danger" : "primary")} onClick={() => onAnswer(true)}>
                  {options.confirmLabel}
                </A.Action>
              </div>
            </>
          )}
        </A.Content>
      </A.Portal>
    </A.Root>
  );
}
