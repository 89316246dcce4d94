import type { ComponentProps } from "react";
import { cn } from "../../lib/utils";

export const controlClass =
  "block w-full rounded-lg border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 shadow-sm " +
  "placeholder:text-slate-600 focus:border-sky-700 focus:outline-2 focus:outline-offset-0 focus:outline-sky-700 " +
  "disabled:bg-slate-100 disabled:text-slate-600 aria-invalid:border-red-700 min-h-11";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(controlClass, className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(controlClass, "min-h-24 resize-y leading-relaxed", className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(controlClass, "pr-8", className)} {...props} />;
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  // eslint-disable-next-line jsx-a11y/label-has-associated-control
  return <label className={cn("block text-sm font-semibold text-slate-900", className)} {...props} />;
}

export function Hint({ className, ...props }: ComponentProps<"p">) {
  return <p className={cn("mt-1 text-sm text-slate-700", className)} {...props} />;
}

export function Checkbox({ className, ...props }: Omit<ComponentProps<"input">, "type">) {
  return (
    <input
      type="checkbox"
      className={cn("size-5 shrink-0 rounded border-slate-500 accent-sky-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700", className)}
      {...props}
    />
  );
}
