// How the post or thread will look on X: avatar, name, @handle, the text
// with links shortened as X shows them, and the line joining a thread.
import { Fragment, type ReactNode } from "react";
import type { Integration } from "../gen/betterplan/integration/v1/integration_pb";
import type { Media } from "../gen/betterplan/media/v1/media_pb";
import { displayUrl } from "../lib/posts";
import type { TwitterText } from "../lib/weighted";
import { Avatar } from "./Avatar";
import { Thumb } from "./MediaAttach";

export function XPreview({ account, parts, media = [], tt, headingId }: { account: Integration | undefined; parts: string[]; media?: Media[][]; tt: TwitterText | undefined; headingId: string }) {
  const shown = parts.map((text, i) => ({ text, files: media[i] ?? [] })).filter((p, i) => p.text.trim() !== "" || p.files.length > 0 || i === 0);
  return (
    <section aria-labelledby={headingId} data-testid="x-preview" className="rounded-xl border border-slate-200 bg-white">
      <h3 id={headingId} className="border-b border-slate-200 px-4 py-2 text-sm font-semibold text-slate-800">
        Preview{account ? ` as @${account.username}` : ""}
      </h3>
      <ol className="px-4 pt-3">
        {shown.map(({ text, files }, i) => {
          const last = i === shown.length - 1;
          return (
            <li key={i} className="grid grid-cols-[40px_1fr] gap-x-3">
              <div className="flex flex-col items-center">
                <Avatar account={account} size={40} />
                {!last && <div aria-hidden="true" className="my-1 w-0.5 flex-1 rounded bg-slate-300" />}
              </div>
              <div className={last ? "pb-4" : "pb-5"}>
                <div className="flex flex-wrap items-baseline gap-x-1 text-[15px] leading-5">
                  <span className="font-bold text-slate-950">{account?.displayName || account?.username || "Your X account"}</span>
                  <span className="text-slate-700">@{account?.username ?? "handle"}</span>
                  <span className="text-slate-700" aria-hidden="true">·</span>
                  <span className="text-slate-700">now</span>
                </div>
                {(text.trim() !== "" || files.length === 0) && (
                  <p className="mt-0.5 text-[15px] leading-5 break-words whitespace-pre-wrap text-slate-950">
                    {text.trim() === "" ? <span className="text-slate-600 italic">Nothing written yet.</span> : rich(text, tt)}
                  </p>
                )}
                {files.length > 0 && (
                  // As X lays them out: one full width, more in a 2-column grid.
                  <div className={`mt-2 grid gap-0.5 overflow-hidden rounded-2xl border border-slate-200 ${files.length > 1 ? "grid-cols-2" : ""}`}>
                    {files.map((m) => (
                      <Thumb key={m.id} media={m} />
                    ))}
                  </div>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function rich(text: string, tt: TwitterText | undefined): ReactNode {
  if (!tt) return text;
  let ents;
  try {
    ents = tt.entities(text).sort((a, b) => a.start - b.start);
  } catch {
    return text;
  }
  const out: ReactNode[] = [];
  let at = 0;
  for (const e of ents) {
    if (e.start < at) continue;
    out.push(text.slice(at, e.start));
    const raw = text.slice(e.start, e.end);
    out.push(
      <span key={e.start} className="text-sky-800">
        {e.kind === "url" ? displayUrl(e.url ?? raw) : raw}
      </span>,
    );
    at = e.end;
  }
  out.push(text.slice(at));
  return <Fragment>{out}</Fragment>;
}
