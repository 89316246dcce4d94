// The composer's text and files are kept in localStorage while it is
// written, so a reload, a crash or a closed tab does not lose them.
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { MediaSchema, type Media } from "../gen/betterplan/media/v1/media_pb";

export interface SavedComposer {
  parts: string[];
  media: Media[][]; // each part's files
  accountIds: string[];
  when: string; // the datetime-local value
  savedAt: number;
}

// readMedia reads one saved file (none if it is not one).
function readMedia(j: unknown): Media[] {
  try {
    return [fromJson(MediaSchema, j as JsonValue)];
  } catch {
    return [];
  }
}

const key = (userId: string) => `betterplan:composer:${userId}`;

export function loadComposer(userId: string): SavedComposer | undefined {
  try {
    const raw = localStorage.getItem(key(userId));
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Partial<SavedComposer>;
    if (!Array.isArray(v.parts) || !v.parts.every((p) => typeof p === "string")) return undefined;
    if (!v.parts.some((p) => p.trim() !== "") && !(Array.isArray(v.media) && v.media.some((m) => Array.isArray(m) && m.length > 0))) return undefined;
    const media = Array.isArray(v.media) ? v.media.map((ms) => (Array.isArray(ms) ? ms.flatMap(readMedia) : [])) : [];
    return {
      parts: v.parts.slice(0, 25),
      media,
      accountIds: Array.isArray(v.accountIds) ? v.accountIds.filter((a) => typeof a === "string") : [],
      when: typeof v.when === "string" ? v.when : "",
      savedAt: typeof v.savedAt === "number" ? v.savedAt : 0,
    };
  } catch {
    return undefined;
  }
}

export function saveComposer(userId: string, v: Omit<SavedComposer, "savedAt">): void {
  try {
    if (v.parts.some((p) => p.trim() !== "") || v.media.some((m) => m.length > 0)) {
      const media = v.media.map((ms) => ms.map((m) => toJson(MediaSchema, m)));
      localStorage.setItem(key(userId), JSON.stringify({ ...v, media, savedAt: Date.now() }));
    } else {
      localStorage.removeItem(key(userId));
    }
  } catch {
    // storage full or disabled: the guard on close still protects the text
  }
}

export function clearComposer(userId: string): void {
  try {
    localStorage.removeItem(key(userId));
  } catch {
    // nothing to do
  }
}

const accountsKey = (userId: string) => `betterplan:accounts:${userId}`;

// The accounts last posted with, the composer's default.
export function lastAccounts(userId: string): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(accountsKey(userId)) ?? "[]");
    return Array.isArray(v) ? v.filter((a) => typeof a === "string") : [];
  } catch {
    return [];
  }
}

export function rememberAccounts(userId: string, ids: string[]): void {
  try {
    localStorage.setItem(accountsKey(userId), JSON.stringify(ids));
  } catch {
    // not important
  }
}
