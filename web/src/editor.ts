// The text of a post: one part, or a thread of 2 to 25 parts, each counted
// live the way X counts (ValidatePost, debounced).
import { errorMessage } from "./api.js";
import type { App } from "./app.js";
import { h, replace } from "./dom.js";

export const maxParts = 25;
const checkDelayMs = 250;

export interface PartsEditor {
  el: HTMLElement;
  // The texts as typed, one per part.
  values(): string[];
  // reset starts over with these texts (one empty part when none).
  reset(texts?: string[]): void;
  focus(): void;
  // Stops pending checks.
  destroy(): void;
}

interface PartView {
  el: HTMLElement;
  label: HTMLLabelElement;
  text: HTMLTextAreaElement;
  count: HTMLElement;
  problems: HTMLElement;
  remove: HTMLButtonElement;
  locked: boolean;
  timer?: ReturnType<typeof setTimeout>;
  seq: number;
}

let nextId = 0;

// partsEditor edits texts; the first `locked` parts are already on X and
// cannot change (a thread that failed part-way).
export function partsEditor(app: App, initial: string[], locked = 0): PartsEditor {
  let parts: PartView[] = [];
  let max = 280;
  let destroyed = false;
  const list = h("div", { class: "parts" });
  const add = h("button", { type: "button", class: "btn btn-quiet add-part" }, "+ Add to thread");
  add.addEventListener("click", () => {
    const p = addPart("");
    relabel();
    p.text.focus();
  });
  const el = h("div", { class: "parts-editor" }, list,
    h("div", { class: "parts-foot" }, add, h("span", { class: "hint" }, "A thread has 2 to 25 parts; each replies to the one before.")));

  function addPart(text: string, isLocked = false): PartView {
    const id = "part-" + ++nextId;
    const p: PartView = {
      el: h("div", { class: "part" + (isLocked ? " part-locked" : "") }),
      label: h("label", { for: id }),
      text: h("textarea", { id, rows: 4, "aria-describedby": id + "-count " + id + "-problems", readonly: isLocked }),
      count: h("span", { class: "count", id: id + "-count", "aria-live": "polite" }),
      problems: h("ul", { class: "problems", id: id + "-problems" }),
      remove: h("button", { type: "button", class: "btn btn-quiet btn-small" }, "Remove"),
      locked: isLocked,
      seq: 0,
    };
    p.text.value = text;
    p.text.placeholder = "What do you want to say?";
    p.text.addEventListener("input", () => schedule(p));
    p.remove.addEventListener("click", () => {
      const i = parts.indexOf(p);
      clearTimeout(p.timer);
      p.seq++;
      p.el.remove();
      parts.splice(i, 1);
      relabel();
      parts[Math.max(0, i - 1)]?.text.focus();
    });
    p.remove.hidden = isLocked;
    replace(p.el, p.label, p.text, h("div", { class: "part-foot" }, p.count, p.problems, p.remove));
    parts.push(p);
    list.appendChild(p.el);
    void check(p);
    return p;
  }

  function relabel(): void {
    const thread = parts.length > 1;
    parts.forEach((p, i) => {
      p.label.textContent = thread ? `Part ${i + 1} of ${parts.length}` : "Post";
      if (p.locked) p.label.append(" (already on X, cannot change)");
      p.remove.hidden = p.locked || !thread;
    });
    add.disabled = parts.length >= maxParts;
  }

  function schedule(p: PartView): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => void check(p), checkDelayMs);
  }

  async function check(p: PartView): Promise<void> {
    const seq = ++p.seq;
    const text = p.text.value;
    if (text === "") {
      show(p, 0, []);
      return;
    }
    try {
      const res = await app.post.validatePost({ text });
      if (destroyed || seq !== p.seq) return; // a newer check is on its way
      max = res.maxWeightedLength || max;
      show(p, res.weightedLength, res.problems.filter((x) => x.code !== "empty").map((x) => x.message));
    } catch (e) {
      if (destroyed || seq !== p.seq) return;
      p.count.textContent = `?/${max}`;
      replace(p.problems, h("li", null, "Could not check the length: " + errorMessage(e)));
    }
  }

  function show(p: PartView, n: number, problems: string[]): void {
    p.count.textContent = `${n}/${max}`;
    p.count.className = "count" + (n > max ? " count-over" : n > max - 20 ? " count-near" : "");
    p.count.title = "Counted as X counts: links count 23, emoji and CJK characters 2";
    replace(p.problems, problems.map((m) => h("li", null, m)));
    p.text.setAttribute("aria-invalid", String(problems.length > 0));
  }

  function reset(texts: string[] = []): void {
    for (const p of parts) {
      clearTimeout(p.timer);
      p.seq++;
    }
    parts = [];
    list.replaceChildren();
    (texts.length ? texts : [""]).forEach((t, i) => addPart(t, i < locked));
    relabel();
  }

  reset(initial);
  return {
    el,
    values: () => parts.map((p) => p.text.value),
    reset,
    focus: () => parts.find((p) => !p.locked)?.text.focus(),
    destroy() {
      destroyed = true;
      for (const p of parts) clearTimeout(p.timer);
    },
  };
}
