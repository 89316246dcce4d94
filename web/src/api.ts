// The web app's typed clients for BetterPlan's services. The session cookie
// set by SignUp/SignIn rides along (credentials: "include"), so the browser
// needs no token handling of its own.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AccountService } from "./gen/betterplan/account/v1/account_pb.js";
import { IntegrationService } from "./gen/betterplan/integration/v1/integration_pb.js";
import { PostService } from "./gen/betterplan/post/v1/post_pb.js";

// SignUp and SignIn answer unauthenticated for a wrong password: that is not
// a lost session.
const publicMethods = new Set(["SignUp", "SignIn"]);

let unauthenticated: (() => void) | undefined;

// onUnauthenticated registers what to do when any other call answers
// unauthenticated (the session expired or was revoked).
export function onUnauthenticated(fn: () => void): void {
  unauthenticated = fn;
}

const watchSession: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (e) {
    if (ConnectError.from(e).code === Code.Unauthenticated && !publicMethods.has(req.method.name)) {
      unauthenticated?.();
    }
    throw e;
  }
};

export function transport(baseUrl: string = globalThis.location?.origin ?? "http://localhost:3000") {
  return createConnectTransport({
    baseUrl,
    fetch: (input, init) => globalThis.fetch(input, { ...init, credentials: "include" }),
    interceptors: [watchSession],
  });
}

export function accountClient(baseUrl?: string): Client<typeof AccountService> {
  return createClient(AccountService, transport(baseUrl));
}

export function integrationClient(baseUrl?: string): Client<typeof IntegrationService> {
  return createClient(IntegrationService, transport(baseUrl));
}

export function postClient(baseUrl?: string): Client<typeof PostService> {
  return createClient(PostService, transport(baseUrl));
}

// errorMessage is what to show a person for a failed call: the server's own
// words (without the "[code]" prefix), or a plain sentence when the server
// could not be reached at all.
export function errorMessage(e: unknown): string {
  const err = ConnectError.from(e);
  if (err.code === Code.Unknown || err.code === Code.Unavailable) {
    if (/fetch|network|load failed/i.test(err.rawMessage)) {
      return "Could not reach BetterPlan. Check your connection and try again.";
    }
  }
  return err.rawMessage || "Something went wrong (" + Code[err.code] + ").";
}

export function codeOf(e: unknown): Code {
  return ConnectError.from(e).code;
}
