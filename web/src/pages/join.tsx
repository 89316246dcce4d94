// Join: the page an invitation link opens. It says who invited the person
// to which workspace and as what, and joins on their word. A signed-out
// visitor signs in (or up) first and comes back here.
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { PageHeader } from "../components/AppShell";
import { RelativeTime } from "../components/RelativeTime";
import { Button } from "../components/ui/button";
import { Alert, Card } from "../components/ui/card";
import { toast } from "../components/ui/toast";
import { WorkspaceService } from "../gen/betterplan/workspace/v1/workspace_pb";
import { errorMessage } from "../lib/api";
import { refreshMe, useMe } from "../lib/session";
import { tsToMs } from "../lib/time";
import { chooseWorkspace, roleHelp, roleNames } from "../lib/workspace";

const route = getRouteApi("/signed-in/join");

export function JoinPage() {
  const { token = "" } = route.useSearch();
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const inv = useQuery(WorkspaceService.method.getInvitation, { token }, { enabled: token !== "", retry: false });
  const accept = useMutation(WorkspaceService.method.acceptInvitation, {
    onSuccess: async (r) => {
      await refreshMe(qc);
      const ws = r.membership?.workspace;
      if (ws) chooseWorkspace(me.id, ws.id);
      toast({ title: `Welcome to ${ws?.name}`, description: `You are ${r.membership ? roleNames[r.membership.role].toLowerCase() : "a member"} here.` });
      void navigate({ to: "/calendar" });
    },
  });
  const data = inv.data;
  const expires = tsToMs(data?.expireTime);
  return (
    <>
      <PageHeader title="Join a workspace" />
      <Card className="max-w-xl">
        {token === "" && <Alert role="alert">This link has no invitation in it. Open the link from the invitation again.</Alert>}
        {inv.isPending && token !== "" && <p className="text-slate-700">Reading the invitation…</p>}
        {inv.isError && <Alert role="alert">{errorMessage(inv.error)}</Alert>}
        {data && (
          <div className="space-y-4">
            <p className="text-lg text-slate-950">
              {data.inviterName ? <strong>{data.inviterName}</strong> : "Someone"} invited {data.email} to <strong>{data.workspaceName}</strong> as{" "}
              <strong>{roleNames[data.role].toLowerCase()}</strong>.
            </p>
            <p className="text-sm text-slate-800">
              {roleNames[data.role]}s may {roleHelp[data.role]}.
              {expires !== undefined && <> The invitation expires <RelativeTime ms={expires} />.</>}
            </p>
            {data.email !== me.email && (
              <Alert tone="warning">
                You are signed in as {me.email}. This invitation is for {data.email}: sign out, and sign in (or sign up) with that address.
              </Alert>
            )}
            {accept.isError && <Alert role="alert">{errorMessage(accept.error)}</Alert>}
            <div className="flex gap-2">
              <Button onClick={() => accept.mutate({ token })} disabled={accept.isPending || data.email !== me.email}>
                {accept.isPending ? "Joining…" : `Join ${data.workspaceName}`}
              </Button>
              <Button variant="secondary" onClick={() => void navigate({ to: "/calendar" })}>
                Not now
              </Button>
            </div>
          </div>
        )}
      </Card>
    </>
  );
}
