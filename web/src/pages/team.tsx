// Team: the current workspace's members and their roles, invitations, and
// the workspace itself (rename, leave, delete, or make another).
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useId, useState, type FormEvent } from "react";
import { PageHeader } from "../components/AppShell";
import { RelativeTime } from "../components/RelativeTime";
import { useConfirm } from "../components/ui/alert-dialog";
import { Button } from "../components/ui/button";
import { Alert, Card } from "../components/ui/card";
import { Hint, Input, Label, Select } from "../components/ui/input";
import { toast } from "../components/ui/toast";
import { Role, WorkspaceService, type Member } from "../gen/betterplan/workspace/v1/workspace_pb";
import { errorMessage } from "../lib/api";
import { refreshMe, useMe } from "../lib/session";
import { tsToMs } from "../lib/time";
import { atLeast, chooseWorkspace, roleHelp, roleNames, useRole, useWorkspace } from "../lib/workspace";

const roles = [Role.OWNER, Role.ADMIN, Role.EDITOR, Role.WRITER, Role.VIEWER];

export function TeamPage() {
  const current = useWorkspace();
  const { canManage } = useRole();
  return (
    <>
      <PageHeader title="Team" description={`The people of ${current.workspace?.name ?? "this workspace"} and what each may do.`} />
      <div className="space-y-6">
        <MembersCard />
        {canManage && <InviteCard />}
        {canManage && <InvitationsCard />}
        <WorkspaceCard />
        <NewWorkspaceCard />
      </div>
    </>
  );
}

function MembersCard() {
  const me = useMe();
  const current = useWorkspace();
  const workspaceId = current.workspace?.id ?? "";
  const { canManage, isOwner } = useRole();
  const qc = useQueryClient();
  const confirm = useConfirm();
  const id = useId();
  const list = useQuery(WorkspaceService.method.listMembers, { workspaceId });
  const listKey = createConnectQueryKey({ schema: WorkspaceService.method.listMembers, cardinality: undefined });
  const update = useMutation(WorkspaceService.method.updateMember, {
    onSuccess: (r) => {
      toast({ id: "member", title: `${r.member?.displayName || r.member?.email} is now ${roleNames[r.member?.role ?? Role.UNSPECIFIED].toLowerCase()}` });
      void qc.invalidateQueries({ queryKey: listKey });
      if (r.member?.userId === me.id) void refreshMe(qc);
    },
    onError: (e) => toast({ id: "member", tone: "error", title: "Could not change the role", description: errorMessage(e) }),
  });
  const remove = useMutation(WorkspaceService.method.removeMember, {
    onSuccess: () => {
      toast({ id: "member", title: "Removed from the workspace" });
      void qc.invalidateQueries({ queryKey: listKey });
    },
    onError: (e) => toast({ id: "member", tone: "error", title: "Could not remove the member", description: errorMessage(e) }),
  });
  const removeMember = async (m: Member) => {
    const ok = await confirm({
      title: `Remove ${m.displayName || m.email}?`,
      description: <p>They lose access to this workspace's X accounts and posts. The posts they wrote stay.</p>,
      confirmLabel: "Remove",
      danger: true,
    });
    if (ok) remove.mutate({ workspaceId, userId: m.userId });
  };
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">Members</h2>
      <p className="mt-1 text-sm text-slate-700">
        {roles.map((r) => <span key={r} className="mr-3 inline-block"><strong>{roleNames[r]}</strong>: {roleHelp[r]}.</span>)}
      </p>
      {list.isPending && <p className="mt-3 text-slate-700">Loading…</p>}
      {list.isError && <Alert role="alert" className="mt-3">Could not load the members: {errorMessage(list.error)}</Alert>}
      <ul className="mt-3 divide-y divide-slate-200">
        {list.data?.members.map((m) => {
          const self = m.userId === me.id;
          // Owners are made and unmade by owners only.
          const mayChange = canManage && !self && (isOwner || m.role !== Role.OWNER);
          const joined = tsToMs(m.joinTime);
          return (
            <li key={m.userId} className="flex flex-wrap items-center gap-3 py-3">
              <div className="min-w-0 flex-1 text-sm">
                <p className="font-semibold text-slate-950">
                  {m.displayName || m.email}
                  {self && <span className="font-normal text-slate-700"> (you)</span>}
                </p>
                <p className="text-slate-700">
                  {m.email}
                  {joined !== undefined && <> · joined <RelativeTime ms={joined} relative={false} /></>}
                </p>
              </div>
              {mayChange ? (
                <>
                  <label htmlFor={`${id}-${m.userId}`} className="sr-only">Role of {m.displayName || m.email}</label>
                  <Select
                    id={`${id}-${m.userId}`}
                    value={m.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ workspaceId, userId: m.userId, role: Number(e.target.value) as Role })}
                  >
                    {roles.filter((r) => isOwner || r !== Role.OWNER).map((r) => (
                      <option key={r} value={r}>{roleNames[r]}</option>
                    ))}
                  </Select>
                  <Button size="sm" variant="danger-outline" disabled={remove.isPending} onClick={() => void removeMember(m)}>
                    Remove<span className="sr-only"> {m.displayName || m.email}</span>
                  </Button>
                </>
              ) : (
                <span className="rounded-md bg-slate-100 px-2 py-1 text-sm font-semibold text-slate-800">{roleNames[m.role]}</span>
              )}
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

function InviteCard() {
  const workspaceId = useWorkspace().workspace?.id ?? "";
  const { isOwner } = useRole();
  const qc = useQueryClient();
  const id = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState(Role.WRITER);
  const [sent, setSent] = useState<{ email: string; url: string; emailed: boolean } | null>(null);
  const invite = useMutation(WorkspaceService.method.createInvitation, {
    onSuccess: (r, vars) => {
      setSent({ email: vars.email ?? "", url: r.url, emailed: r.emailed });
      setEmail("");
      void qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema: WorkspaceService.method.listInvitations, cardinality: undefined }) });
    },
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    invite.mutate({ workspaceId, email: email.trim(), role });
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sent?.url ?? "");
      toast({ id: "invite", title: "Link copied" });
    } catch {
      toast({ id: "invite", tone: "error", title: "Could not copy", description: "Select the link and copy it yourself." });
    }
  };
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">Invite someone</h2>
      <form onSubmit={submit} className="mt-4 flex flex-wrap items-end gap-3">
        <div className="min-w-56 flex-1">
          <Label htmlFor={`${id}-email`}>Email</Label>
          <Input id={`${id}-email`} type="email" value={email} required maxLength={254} autoComplete="off" onChange={(e) => setEmail(e.target.value)} className="mt-1" />
        </div>
        <div>
          <Label htmlFor={`${id}-role`}>Role</Label>
          <Select id={`${id}-role`} value={role} onChange={(e) => setRole(Number(e.target.value) as Role)} className="mt-1">
            {roles.filter((r) => isOwner || r !== Role.OWNER).map((r) => (
              <option key={r} value={r}>{roleNames[r]}</option>
            ))}
          </Select>
        </div>
        <Button type="submit" disabled={invite.isPending || email.trim() === ""}>
          {invite.isPending ? "Inviting…" : "Invite"}
        </Button>
      </form>
      <Hint className="mt-2">{roleNames[role]}: {roleHelp[role]}. The link works once, for 7 days, for that email address.</Hint>
      {invite.isError && <Alert role="alert" className="mt-3">{errorMessage(invite.error)}</Alert>}
      {sent && (
        <div role="status" className="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-950">
          <p className="font-semibold">
            {sent.emailed ? `Invitation emailed to ${sent.email}.` : `Invitation for ${sent.email} created. Send them this link:`}
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <label htmlFor={`${id}-link`} className="sr-only">Invitation link</label>
            <input
              id={`${id}-link`}
              readOnly
              value={sent.url}
              onFocus={(e) => e.currentTarget.select()}
              className="min-h-11 min-w-0 flex-1 rounded-lg border border-emerald-400 bg-white px-3 font-mono text-sm text-slate-950"
            />
            <Button size="sm" onClick={() => void copy()}>Copy link</Button>
          </div>
        </div>
      )}
    </Card>
  );
}

function InvitationsCard() {
  const workspaceId = useWorkspace().workspace?.id ?? "";
  const qc = useQueryClient();
  const id = useId();
  const list = useQuery(WorkspaceService.method.listInvitations, { workspaceId });
  const revoke = useMutation(WorkspaceService.method.revokeInvitation, {
    onSuccess: () => {
      toast({ id: "invite", title: "Invitation withdrawn" });
      void qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema: WorkspaceService.method.listInvitations, cardinality: undefined }) });
    },
    onError: (e) => toast({ id: "invite", tone: "error", title: "Could not withdraw the invitation", description: errorMessage(e) }),
  });
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">Open invitations</h2>
      {list.isError && <Alert role="alert" className="mt-3">Could not load the invitations: {errorMessage(list.error)}</Alert>}
      {list.isSuccess && list.data.invitations.length === 0 && <p className="mt-2 text-slate-800">None.</p>}
      <ul className="mt-2 divide-y divide-slate-200">
        {list.data?.invitations.map((inv) => {
          const expires = tsToMs(inv.expireTime);
          return (
            <li key={inv.id} className="flex flex-wrap items-center gap-3 py-3 text-sm">
              <p className="min-w-0 flex-1">
                <span className="font-semibold text-slate-950">{inv.email}</span> as {roleNames[inv.role].toLowerCase()}
                {expires !== undefined && <span className="text-slate-700"> · expires <RelativeTime ms={expires} /></span>}
              </p>
              <Button size="sm" variant="secondary" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: inv.id })}>
                Withdraw<span className="sr-only"> the invitation for {inv.email}</span>
              </Button>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}

function WorkspaceCard() {
  const me = useMe();
  const current = useWorkspace();
  const ws = current.workspace;
  const { canManage, isOwner } = useRole();
  const qc = useQueryClient();
  const confirm = useConfirm();
  const navigate = useNavigate();
  const id = useId();
  const [name, setName] = useState(ws?.name ?? "");
  const personal = ws?.personalOf === me.id;
  const rename = useMutation(WorkspaceService.method.updateWorkspace, {
    onSuccess: () => {
      toast({ id: "workspace", title: "Workspace renamed" });
      void refreshMe(qc);
    },
  });
  const gone = async (title: string) => {
    toast({ id: "workspace", title });
    chooseWorkspace(me.id, "");
    await refreshMe(qc);
    void navigate({ to: "/calendar" });
  };
  const leave = useMutation(WorkspaceService.method.removeMember, {
    onSuccess: () => void gone(`You left ${ws?.name}`),
    onError: (e) => toast({ id: "workspace", tone: "error", title: "Could not leave", description: errorMessage(e) }),
  });
  const remove = useMutation(WorkspaceService.method.deleteWorkspace, {
    onSuccess: () => void gone(`${ws?.name} was deleted`),
    onError: (e) => toast({ id: "workspace", tone: "error", title: "Could not delete the workspace", description: errorMessage(e) }),
  });
  if (!ws) return null;
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">This workspace</h2>
      {canManage ? (
        <form
          className="mt-4 flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ id: ws.id, name: name.trim() });
          }}
        >
          <div className="min-w-56 flex-1">
            <Label htmlFor={`${id}-name`}>Workspace name</Label>
            <Input id={`${id}-name`} value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} className="mt-1" />
          </div>
          <Button type="submit" variant="secondary" disabled={rename.isPending || name.trim() === "" || name.trim() === ws.name}>
            Rename
          </Button>
        </form>
      ) : (
        <p className="mt-2 text-slate-900">{ws.name}: you are {atLeast(current.role, Role.EDITOR) ? "an" : "a"} {roleNames[current.role].toLowerCase()} here.</p>
      )}
      {rename.isError && <Alert role="alert" className="mt-3">{errorMessage(rename.error)}</Alert>}
      <div className="mt-4 flex flex-wrap gap-2">
        {!personal && (
          <Button
            variant="secondary"
            disabled={leave.isPending}
            onClick={async () => {
              const ok = await confirm({
                title: `Leave ${ws.name}?`,
                description: <p>You lose access to its X accounts and posts until someone invites you again.</p>,
                confirmLabel: "Leave",
                danger: true,
              });
              if (ok) leave.mutate({ workspaceId: ws.id, userId: me.id });
            }}
          >
            Leave workspace
          </Button>
        )}
        {isOwner && !personal && (
          <Button
            variant="danger-outline"
            disabled={remove.isPending}
            onClick={async () => {
              const ok = await confirm({
                title: `Delete ${ws.name}?`,
                description: <p>Its X accounts are disconnected and its posts deleted from BetterPlan (published posts stay on X). This cannot be undone.</p>,
                confirmLabel: "Delete workspace",
                danger: true,
              });
              if (ok) remove.mutate({ id: ws.id });
            }}
          >
            Delete workspace
          </Button>
        )}
      </div>
      {personal && <Hint className="mt-2">Your personal workspace stays as long as your account does.</Hint>}
    </Card>
  );
}

function NewWorkspaceCard() {
  const me = useMe();
  const qc = useQueryClient();
  const id = useId();
  const [name, setName] = useState("");
  const create = useMutation(WorkspaceService.method.createWorkspace, {
    onSuccess: async (r) => {
      setName("");
      await refreshMe(qc);
      if (r.membership?.workspace) chooseWorkspace(me.id, r.membership.workspace.id);
      toast({ id: "workspace", title: `${r.membership?.workspace?.name} created`, description: "Invite your team, then connect the X accounts you share." });
    },
  });
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">New workspace</h2>
      <p className="mt-1 text-sm text-slate-700">A workspace for a team or a client: its own X accounts, posts and people. You are its owner.</p>
      <form
        className="mt-4 flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name: name.trim() });
        }}
      >
        <div className="min-w-56 flex-1">
          <Label htmlFor={`${id}-name`}>Name</Label>
          <Input id={`${id}-name`} value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} className="mt-1" placeholder="e.g. Acme marketing" />
        </div>
        <Button type="submit" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create workspace"}
        </Button>
      </form>
      {create.isError && <Alert role="alert" className="mt-3">{errorMessage(create.error)}</Alert>}
    </Card>
  );
}
