import { useState } from "react";
import type { Integration } from "../gen/betterplan/integration/v1/integration_pb";
import { cn } from "../lib/utils";

// Avatar is an X account's picture, or its initial when it has none (or
// the picture does not load). It is decoration: the handle is always
// written next to it.
export function Avatar({ account, size = 40, className }: { account: Integration | undefined; size?: number; className?: string }) {
  const [broken, setBroken] = useState(false);
  const dim = { width: size, height: size };
  if (account?.avatarUrl && !broken) {
    return (
      <img
        src={account.avatarUrl}
        alt=""
        {...dim}
        referrerPolicy="no-referrer"
        onError={() => setBroken(true)}
        className={cn("shrink-0 rounded-full bg-slate-200 object-cover", className)}
      />
    );
  }
  const letter = (account?.username?.[0] ?? "?").toUpperCase();
  return (
    <span
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: Math.round(size * 0.45) }}
      className={cn("inline-flex shrink-0 items-center justify-center rounded-full bg-slate-700 font-bold text-white", className)}
    >
      {letter}
    </span>
  );
}
