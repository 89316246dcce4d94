// twitter-text's ES modules, one function each (its index exports one
// object, which would bundle all of the library).
declare module "twitter-text/dist/esm/parseTweet" {
  import type { parseTweet } from "twitter-text";
  const f: typeof parseTweet;
  export default f;
}
declare module "twitter-text/dist/esm/extractEntitiesWithIndices" {
  import type { extractEntitiesWithIndices } from "twitter-text";
  const f: typeof extractEntitiesWithIndices;
  export default f;
}
