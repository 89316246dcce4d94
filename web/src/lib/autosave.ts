// The composer's text is kept in localStorage while it is written, so a
// reload, a crash or a closed tab does not lose it.
export interface SavedComposer {
  parts: string[];
  accountIds: string[];
  when: string; // the datetime-local value
  savedAt: number;
}

const key = (userId: string) => `betterplan:composer:${userId}`;

export function loadComposer(userId: string): SavedComposer | undefined {
  try {
    const raw = localStorage.getItem(key(userId));
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Partial<SavedComposer>;
    if (!Array.isArray(v.parts) || !v.parts.every((p) => typeof p === "string")) return undefined;
    if (!v.parts.some((p) => p.trim() !== "")) return undefined;
    return {
      parts: v.parts.slice(0, 25),
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
    if (v.parts.some((p) => p.trim() !== "")) {
      localStorage.setItem(key(userId), JSON.stringify({ ...v, savedAt: Date.now() }));
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
