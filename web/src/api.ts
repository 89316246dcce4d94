// The web app's typed clients for BetterPlan's services. The session cookie
// set by SignUp/SignIn rides along (credentials: "include"), so the browser
// needs no token handling of its own.
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AccountService } from "./gen/betterplan/account/v1/account_pb.js";

export function transport(baseUrl: string = globalThis.location?.origin ?? "http://localhost:3000") {
  return createConnectTransport({
    baseUrl,
    fetch: (input, init) => globalThis.fetch(input, { ...init, credentials: "include" }),
  });
}

export function accountClient(baseUrl?: string): Client<typeof AccountService> {
  return createClient(AccountService, transport(baseUrl));
}
