import { Slot } from "@radix-ui/react-slot";
import type { ComponentProps } from "react";
import { cn } from "../../lib/utils";

const variants = {
  primary: "bg-sky-700 text-white shadow-sm hover:bg-sky-800 active:bg-sky-900",
  secondary: "bg-white text-slate-900 ring-1 ring-inset ring-slate-300 shadow-sm hover:bg-slate-50",
  ghost: "text-slate-800 hover:bg-slate-100",
  danger: "bg-red-700 text-white shadow-sm hover:bg-red-800",
  "danger-outline": "bg-white text-red-800 ring-1 ring-inset ring-red-300 hover:bg-red-50",
  link: "text-sky-800 underline underline-offset-2 hover:text-sky-950 px-1",
} as const;

const sizes = {
  default: "min-h-11 px-4",
  sm: "min-h-11 px-3",
  icon: "size-11 shrink-0",
} as const;

export type ButtonProps = ComponentProps<"button"> & {
  variant?: keyof typeof variants;
  size?: keyof typeof sizes;
  asChild?: boolean;
};

// Every button is at least 44 px tall (a finger's width) and shows its
// keyboard focus.
export const buttonClass = (variant: keyof typeof variants = "primary", size: keyof typeof sizes = "default") =>
  cn(
    "inline-flex items-center justify-center gap-2 rounded-lg text-sm font-semibold whitespace-nowrap",
    "transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700",
    "disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-not-allowed aria-disabled:opacity-60",
    variants[variant],
    sizes[size],
  );

export function Button({ variant = "primary", size = "default", asChild, className, type, ...props }: ButtonProps) {
  const Comp = asChild ? Slot : "button";
  return <Comp type={asChild ? undefined : (type ?? "button")} className={cn(buttonClass(variant, size), className)} {...props} />;
}
