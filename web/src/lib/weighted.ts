// The live weighted count: twitter-text is big and old (core-js 2,
// twemoji-parser), so it is a chunk of its own, loaded when a composer
// opens (or the browser is idle after sign-in), not with the app.
import { useEffect, useState } from "react";

export type TwitterText = typeof import("./twitter");

let loaded: TwitterText | undefined;
let loading: Promise<TwitterText> | undefined;

export function loadTwitterText(): Promise<TwitterText> {
  loading ??= import("./twitter").then(
    (m) => (loaded = m),
    (e) => {
      loading = undefined; // try again next time
      throw e;
    },
  );
  return loading;
}

// useTwitterText is the library once loaded (undefined until then, or when
// it could not be loaded: then counts are approximate).
export function useTwitterText(): TwitterText | undefined {
  const [mod, setMod] = useState(loaded);
  useEffect(() => {
    if (mod) return;
    let live = true;
    loadTwitterText().then((m) => live && setMod(m), () => {});
    return () => {
      live = false;
    };
  }, [mod]);
  return mod;
}

// approximateLength counts code points, for the moment before
// twitter-text is there.
export function approximateLength(text: string): number {
  return Array.from(text.normalize("NFC")).length;
}
