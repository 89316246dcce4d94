// BetterPlan's web app: React with TanStack Router (pages under /app/) and
// TanStack Query over the generated Connect clients (connect-query).
import { TransportProvider } from "@connectrpc/connect-query";
import { Code, ConnectError } from "@connectrpc/connect";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { onSessionLost, transport } from "./lib/api";
import { forgetSession, meQuery } from "./lib/session";
import { makeRouter } from "./router";
import "./styles.css";

// Calls that failed for a reason a retry cannot fix are not retried.
const final = new Set([
  Code.InvalidArgument, Code.NotFound, Code.AlreadyExists, Code.PermissionDenied, Code.FailedPrecondition,
  Code.Aborted, Code.OutOfRange, Code.Unimplemented, Code.Unauthenticated, Code.ResourceExhausted,
]);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      retry: (n, e) => n < 2 && !final.has(ConnectError.from(e).code),
    },
    mutations: { retry: false },
  },
});

const router = makeRouter(queryClient);

// A call that finds the session gone (expired, or signed out in another
// tab) sends the person to sign in, and back here afterwards.
let leaving = false;
onSessionLost(() => {
  // Only a session that was there can end (signed out, there is nothing to lose).
  if (leaving || !queryClient.getQueryData(meQuery.queryKey)) return;
  leaving = true;
  const back = window.location.pathname + window.location.search;
  forgetSession(queryClient);
  void router.navigate({ to: "/signin", search: { redirect: back, expired: true }, replace: true }).finally(() => {
    leaving = false;
  });
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </TransportProvider>
  </StrictMode>,
);
