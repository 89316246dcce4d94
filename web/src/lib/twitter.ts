// X's own text library (twitter-text), loaded on demand (see
// weighted.ts): X's weighted length, and the links and entities in a text.
import extractEntitiesWithIndices from "twitter-text/dist/esm/extractEntitiesWithIndices";
import parseTweet from "twitter-text/dist/esm/parseTweet";

export interface Entity {
  kind: "url" | "mention" | "hashtag" | "cashtag";
  start: number; // UTF-16 indices into the text
  end: number;
  url?: string;
}

export function weightedLength(text: string): number {
  return parseTweet(text).weightedLength;
}

export function entities(text: string): Entity[] {
  return extractEntitiesWithIndices(text).map((e): Entity => {
    const [start, end] = e.indices;
    if ("url" in e) return { kind: "url", start, end, url: e.url };
    if ("hashtag" in e) return { kind: "hashtag", start, end };
    if ("cashtag" in e) return { kind: "cashtag", start, end };
    return { kind: "mention", start, end };
  });
}
