// What every page of the app gets: the clients, the signed-in user and
// navigation.
import type { Client } from "@connectrpc/connect";
import type { AccountService, User } from "./gen/betterplan/account/v1/account_pb.js";
import type { IntegrationService } from "./gen/betterplan/integration/v1/integration_pb.js";
import type { PostService } from "./gen/betterplan/post/v1/post_pb.js";

export interface App {
  account: Client<typeof AccountService>;
  integration: Client<typeof IntegrationService>;
  post: Client<typeof PostService>;
  // The signed-in user; undefined on the sign-in page.
  me: User | undefined;
  // navigate shows another page of the app (a path under /app/).
  navigate(path: string, opts?: { replace?: boolean }): void;
  // signedIn records the user after SignUp/SignIn and goes where they were headed.
  signedIn(user: User): void;
}

// A page renders into root and may return a function that stops its
// timers when the person leaves it.
export type Page = (root: HTMLElement, app: App) => (() => void) | void;

export const paths = {
  signIn: "/app/signin",
  posts: "/app/posts",
  integrations: "/app/integrations",
} as const;
