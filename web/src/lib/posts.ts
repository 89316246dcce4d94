// What the app says and shows about posts: statuses, errors, and the
// content of CreatePost/UpdatePost.
import { create } from "@bufbuild/protobuf";
import {
  ErrorKind, Status, ThreadSchema,
  type CreatePostRequest, type Post, type UpdatePostRequest,
} from "../gen/betterplan/post/v1/post_pb";

export const maxParts = 25;
export const maxWeighted = 280;

export interface StatusInfo {
  label: string;
  // Classes for a badge, and for a calendar chip (background, border, text).
  badge: string;
  chip: string;
}

export const statusInfo: Record<Status, StatusInfo> = {
  [Status.UNSPECIFIED]: { label: "Unknown", badge: "bg-slate-100 text-slate-800 ring-slate-300", chip: "bg-slate-50 border-slate-500 text-slate-900" },
  [Status.DRAFT]: { label: "Draft", badge: "bg-slate-100 text-slate-800 ring-slate-300", chip: "bg-slate-50 border-slate-500 text-slate-900" },
  [Status.PENDING_APPROVAL]: { label: "Awaiting approval", badge: "bg-orange-50 text-orange-950 ring-orange-400", chip: "bg-orange-50 border-orange-600 border-dashed text-orange-950" },
  [Status.SCHEDULED]: { label: "Scheduled", badge: "bg-sky-50 text-sky-900 ring-sky-300", chip: "bg-sky-50 border-sky-600 text-sky-950" },
  [Status.PUBLISHING]: { label: "Publishing", badge: "bg-violet-50 text-violet-900 ring-violet-300", chip: "bg-violet-50 border-violet-600 text-violet-950" },
  [Status.PUBLISHED]: { label: "Published", badge: "bg-emerald-50 text-emerald-900 ring-emerald-300", chip: "bg-emerald-50 border-emerald-600 text-emerald-950" },
  [Status.FAILED]: { label: "Failed", badge: "bg-red-50 text-red-900 ring-red-300", chip: "bg-red-50 border-red-600 text-red-950" },
  [Status.UNCONFIRMED]: { label: "Unconfirmed", badge: "bg-amber-50 text-amber-950 ring-amber-400", chip: "bg-amber-50 border-amber-600 text-amber-950" },
};

export function statusLabel(s: Status): string {
  return statusInfo[s]?.label ?? "Unknown";
}

// editable: UpdatePost takes these.
export function editable(p: Post): boolean {
  return p.integrationId !== "" && (p.status === Status.DRAFT || p.status === Status.PENDING_APPROVAL || p.status === Status.SCHEDULED || p.status === Status.FAILED);
}

// movable: a calendar chip that can be dragged to another time.
export function movable(p: Post): boolean {
  return p.integrationId !== "" && (p.status === Status.SCHEDULED || p.status === Status.PENDING_APPROVAL || p.status === Status.FAILED);
}

// content is a CreatePost/UpdatePost content oneof for these texts.
export function content(texts: string[]): CreatePostRequest["content"] & UpdatePostRequest["content"] {
  return texts.length === 1
    ? { case: "text", value: texts[0] }
    : { case: "thread", value: create(ThreadSchema, { parts: texts }) };
}

export const errorKinds: Partial<Record<ErrorKind, string>> = {
  [ErrorKind.RECONNECT_REQUIRED]: "Reconnect needed",
  [ErrorKind.DUPLICATE]: "Duplicate",
  [ErrorKind.REJECTED]: "Rejected by X",
  [ErrorKind.RATE_LIMITED]: "Rate limited",
  [ErrorKind.USAGE_CAPPED]: "Usage cap reached",
  [ErrorKind.X_UNAVAILABLE]: "X unavailable",
  [ErrorKind.UNCONFIRMED]: "Unconfirmed",
  [ErrorKind.MISSED]: "Missed",
  [ErrorKind.INTEGRATION_DISCONNECTED]: "Account disconnected",
  [ErrorKind.INTERNAL]: "Internal error",
  [ErrorKind.MEDIA_PENDING]: "Waiting for X to take a file",
  [ErrorKind.MEDIA_REJECTED]: "File refused by X",
};

// firstWords is the start of a post's text for a chip or a title.
export function firstWords(text: string, max = 80): string {
  const t = text.replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max / 2 ? cut.slice(0, space) : cut) + "…";
}

// displayUrl is a link as X shows it in a post: no scheme, no "www.", and
// cut after 25 characters.
export function displayUrl(url: string): string {
  let s = url.replace(/^https?:\/\//i, "").replace(/^www\./i, "");
  if (s.length > 25) s = s.slice(0, 25) + "…";
  return s;
}

// splitSentences splits text at sentence boundaries, keeping each
// sentence's trailing space with it.
export function splitSentences(text: string): string[] {
  const Segmenter = (Intl as typeof Intl & { Segmenter?: typeof Intl.Segmenter }).Segmenter;
  if (Segmenter) {
    return Array.from(new Segmenter(undefined, { granularity: "sentence" }).segment(text), (s) => s.segment);
  }
  return text.match(/[^.!?\n]+(?:[.!?]+|\n+|$)\s*/g) ?? [text];
}

function splitWords(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text];
}

// splitIntoThread splits a long text into parts that each weigh at most
// limit, at sentence boundaries where it can, else between words, else
// anywhere. weigh is X's weighted length.
export function splitIntoThread(text: string, weigh: (s: string) => number, limit = maxWeighted): string[] {
  const parts: string[] = [];
  let cur = "";
  const push = () => {
    const t = cur.trim();
    if (t) parts.push(t);
    cur = "";
  };
  const addPiece = (piece: string, finer: ((s: string) => string[]) | null) => {
    if (weigh((cur + piece).trim()) <= limit) {
      cur += piece;
      return;
    }
    push();
    if (weigh(piece.trim()) <= limit) {
      cur = piece;
      return;
    }
    if (finer) {
      for (const p of finer(piece)) addPiece(p, null);
      return;
    }
    // One word longer than a post: cut it by characters.
    for (const ch of Array.from(piece)) {
      if (weigh(cur + ch) > limit) push();
      cur += ch;
    }
  };
  for (const s of splitSentences(text)) addPiece(s, splitWords);
  push();
  return parts.length ? parts : [""];
}
