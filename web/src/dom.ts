// A tiny helper to build DOM without a framework. Text is always set as
// text (never parsed as HTML).

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((ev: Event) => void);
export type Attrs = Record<string, AttrValue>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") {
      el.addEventListener(name.replace(/^on/, ""), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

// replace swaps el's children for new ones.
export function replace(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, ...children);
}

// Notice is a message line that can show an error, success or info text.
export interface Notice {
  el: HTMLElement;
  show(kind: "error" | "ok" | "info", ...text: Child[]): void;
  clear(): void;
}

export function notice(): Notice {
  const el = h("div", { class: "notice", role: "status", hidden: true });
  return {
    el,
    show(kind, ...text) {
      el.className = "notice notice-" + kind;
      el.setAttribute("role", kind === "error" ? "alert" : "status");
      replace(el, ...text);
      el.hidden = false;
    },
    clear() {
      el.hidden = true;
      el.replaceChildren();
    },
  };
}

// busy disables a button while a promise runs, with a label saying so.
export async function busy<T>(button: HTMLButtonElement, label: string, run: () => Promise<T>): Promise<T> {
  const old = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await run();
  } finally {
    button.disabled = false;
    button.textContent = old;
  }
}
