import type { ComponentProps } from "react";
import { cn } from "../../lib/utils";

export function Card({ className, ...props }: ComponentProps<"section">) {
  return <section className={cn("rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6", className)} {...props} />;
}

export function Alert({ className, tone = "error", ...props }: ComponentProps<"div"> & { tone?: "error" | "success" | "info" | "warning" }) {
  const tones = {
    error: "border-red-300 bg-red-50 text-red-900",
    success: "border-emerald-300 bg-emerald-50 text-emerald-900",
    info: "border-sky-300 bg-sky-50 text-sky-900",
    warning: "border-amber-400 bg-amber-50 text-amber-950",
  };
  return <div className={cn("rounded-lg border px-4 py-3 text-sm", tones[tone], className)} {...props} />;
}
