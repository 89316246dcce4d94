// X accounts: connect (X's authorization page, then back here), reconnect,
// disconnect, and why an account needs reconnecting.
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { PageHeader } from "../components/AppShell";
import { Avatar } from "../components/Avatar";
import { useComposer } from "../components/ComposerHost";
import { useConfirm } from "../components/ui/alert-dialog";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Alert, Card } from "../components/ui/card";
import { toast } from "../components/ui/toast";
import { IntegrationService, Status, type Integration } from "../gen/betterplan/integration/v1/integration_pb";
import { errorMessage } from "../lib/api";
import { refreshLists } from "../lib/cache";
import { RelativeTime } from "../components/RelativeTime";
import { tsToMs } from "../lib/time";
import type { IntegrationsSearch } from "../search";
import { getRouteApi } from "@tanstack/react-router";
import { useRole, useWorkspaceId } from "../lib/workspace";

// What each ?error=<code> of the OAuth callback means, for a person.
export const connectErrors: Record<string, string> = {
  denied: "You declined on X, so no account was connected. Connect again whenever you like.",
  expired: "The authorization took longer than 15 minutes and expired. Please start again.",
  already_used: "That authorization was already completed (perhaps in another tab, or the page was reloaded). Check the list below, or start again.",
  mismatch: "That authorization was started in another browser or by another BetterPlan user. Start again from this browser, signed in as the person who should own the account.",
  invalid_request: "X sent back an incomplete answer, so the account was not connected. Please start again.",
  already_connected: "That X account is already connected to another BetterPlan user. An X account can belong to only one BetterPlan user: disconnect it there first.",
  x_rejected: "X refused to finish the connection. Please try again; if it keeps happening, the X app's keys or permissions may need checking.",
  x_unavailable: "X could not be reached or had a problem. Please try again in a few minutes.",
  not_configured: "Connecting X accounts is not set up on this server (no X app keys are configured).",
  internal: "Something went wrong on our side while connecting the account. Please try again; the details are in the server's log.",
};

const route = getRouteApi("/signed-in/integrations");

export function IntegrationsPage() {
  const search: IntegrationsSearch = route.useSearch();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const confirm = useConfirm();
  const { compose } = useComposer();
  const workspaceId = useWorkspaceId();
  const { canManage } = useRole();
  const list = useQuery(IntegrationService.method.listIntegrations, { workspaceId });
  // The callback's outcome is shown once; the address loses it.
  const [outcome] = useState(search);
  useEffect(() => {
    if (search.connected !== undefined || search.error !== undefined) void navigate({ to: "/integrations", search: {}, replace: true });
  }, [search, navigate]);

  const start = useMutation(IntegrationService.method.startXAuthorization, {
    onSuccess: (r) => {
      window.location.assign(r.authorizationUrl);
    },
  });
  const listKey = createConnectQueryKey({ schema: IntegrationService.method.listIntegrations, cardinality: undefined });
  const remove = useMutation(IntegrationService.method.deleteIntegration, {
    onSuccess: (_, vars) => {
      const it = list.data?.integrations.find((i) => i.id === vars.id);
      toast({ title: `Disconnected ${it ? "@" + it.username : "the account"}` });
      void qc.invalidateQueries({ queryKey: listKey });
      void refreshLists(qc);
    },
    onError: (e) => toast({ tone: "error", title: "Could not disconnect the account", description: errorMessage(e) }),
  });

  const disconnect = async (it: Integration) => {
    const ok = await confirm({
      title: `Disconnect @${it.username}?`,
      description: (
        <>
          <p>Its scheduled posts will fail, and BetterPlan's access at X is revoked.</p>
          <p>You can connect it again later.</p>
        </>
      ),
      confirmLabel: "Disconnect",
      danger: true,
    });
    if (ok) remove.mutate({ id: it.id });
  };

  const connected = outcome.connected ? list.data?.integrations.find((i) => i.id === outcome.connected) : undefined;
  const busy = start.isPending || start.isSuccess; // the browser is on its way to X

  return (
    <>
      <PageHeader title="X accounts" description={canManage ? "BetterPlan posts to X with the accounts connected to this workspace." : "The X accounts of this workspace. An admin connects and disconnects them."}>
        {canManage && (
          <Button onClick={() => start.mutate({ workspaceId })} disabled={busy}>
            {busy ? "Opening X…" : "Connect X"}
          </Button>
        )}
      </PageHeader>
      <div className="space-y-4">
        {outcome.error !== undefined && (
          <Alert role="alert">
            <strong>The X account was not connected. </strong>
            {connectErrors[outcome.error] ?? `Connecting X failed (${outcome.error}). Please try again.`}
          </Alert>
        )}
        {outcome.connected !== undefined && list.isSuccess && (
          <Alert tone="success" role="status" className="flex flex-wrap items-center justify-between gap-2">
            <span>
              {connected ? `Connected @${connected.username}${connected.displayName ? ` (${connected.displayName})` : ""}.` : "Your X account is connected."}
            </span>
            <Button size="sm" variant="secondary" onClick={() => compose()}>
              Write a post
            </Button>
          </Alert>
        )}
        {start.isError && <Alert role="alert">Could not start connecting X: {errorMessage(start.error)}</Alert>}

        <Card aria-labelledby="accounts-title">
          <h2 id="accounts-title" className="text-lg font-semibold text-slate-950">Connected accounts</h2>
          {list.isPending && <p className="mt-3 text-slate-700">Loading your X accounts…</p>}
          {list.isError && <Alert role="alert" className="mt-3">Could not load your X accounts: {errorMessage(list.error)}</Alert>}
          {list.isSuccess && list.data.integrations.length === 0 && (
            <p className="mt-3 text-slate-800">No X account is connected yet. Connect one to start scheduling posts.</p>
          )}
          <ul className="mt-2 divide-y divide-slate-200">
            {list.data?.integrations.map((it) => {
              const reconnect = it.status === Status.NEEDS_RECONNECT;
              const since = tsToMs(it.createTime);
              return (
                <li key={it.id} className="flex flex-wrap items-start gap-3 py-4">
                  <Avatar account={it} size={48} />
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-2">
                      <a
                        href={it.profileUrl || `https://x.com/${it.username}`}
                        target="_blank"
                        rel="noopener noreferrer"
                        className="font-semibold text-sky-800 underline underline-offset-2"
                      >
                        @{it.username}
                        <span className="sr-only"> on X (opens in a new tab)</span>
                      </a>
                      {reconnect ? (
                        <Badge className="bg-amber-50 text-amber-950 ring-amber-400">Needs reconnecting</Badge>
                      ) : (
                        <Badge className="bg-emerald-50 text-emerald-900 ring-emerald-300">Active</Badge>
                      )}
                    </div>
                    {it.displayName && <p className="text-slate-900">{it.displayName}</p>}
                    {since !== undefined && (
                      <p className="text-sm text-slate-700">
                        Connected <RelativeTime ms={since} past />
                      </p>
                    )}
                    {reconnect && (
                      <p className="mt-1 text-sm text-amber-950">
                        {it.statusReason || "X no longer accepts BetterPlan's access to this account."} Reconnect it to resume posting.
                      </p>
                    )}
                  </div>
                  <div className="flex flex-wrap gap-2">
                    {reconnect && canManage && (
                      <Button size="sm" onClick={() => start.mutate({ workspaceId })} disabled={busy}>
                        Reconnect
                      </Button>
                    )}
                    {canManage && (
                      <Button size="sm" variant="danger-outline" onClick={() => void disconnect(it)} disabled={remove.isPending}>
                        Disconnect
                        <span className="sr-only"> @{it.username}</span>
                      </Button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </Card>
      </div>
    </>
  );
}
