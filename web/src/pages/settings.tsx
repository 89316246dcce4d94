// Settings: the name and time zone of the account, and API tokens.
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent } from "react";
import { PageHeader } from "../components/AppShell";
import { RelativeTime } from "../components/RelativeTime";
import { useConfirm } from "../components/ui/alert-dialog";
import { Button } from "../components/ui/button";
import { Alert, Card } from "../components/ui/card";
import { Hint, Input, Label, Select } from "../components/ui/input";
import { toast } from "../components/ui/toast";
import { AccountService } from "../gen/betterplan/account/v1/account_pb";
import { errorMessage } from "../lib/api";
import { setUser, useMe, useTimeZone } from "../lib/session";
import { allTimeZones, browserTimeZone, msToTs, tsToMs, zoneLabel } from "../lib/time";

export function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" />
      <div className="space-y-6">
        <ProfileCard />
        <TokensCard />
      </div>
    </>
  );
}

function ProfileCard() {
  const me = useMe();
  const tz = useTimeZone();
  const qc = useQueryClient();
  const id = useId();
  const [name, setName] = useState(me.displayName);
  const [zone, setZone] = useState(tz);
  const zones = useMemo(() => {
    const list = allTimeZones();
    return list.includes(zone) ? list : [zone, ...list];
  }, [zone]);
  const update = useMutation(AccountService.method.updateMe, {
    onSuccess: (r) => {
      setUser(qc, r.user);
      toast({ id: "profile", title: "Settings saved" });
    },
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    update.mutate({ displayName: name.trim(), timeZone: zone });
  };
  const changed = name.trim() !== me.displayName || zone !== tz;
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">Profile</h2>
      <form onSubmit={submit} className="mt-4 max-w-lg space-y-4">
        <div>
          <Label htmlFor={`${id}-email`}>Email</Label>
          <Input id={`${id}-email`} value={me.email} readOnly className="mt-1 bg-slate-50" />
        </div>
        <div>
          <Label htmlFor={`${id}-name`}>Display name</Label>
          <Input id={`${id}-name`} value={name} maxLength={100} autoComplete="name" onChange={(e) => setName(e.target.value)} className="mt-1" />
        </div>
        <div>
          <Label htmlFor={`${id}-zone`}>Time zone</Label>
          <Select id={`${id}-zone`} value={zone} onChange={(e) => setZone(e.target.value)} aria-describedby={`${id}-zone-hint`} className="mt-1">
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replace(/_/g, " ")}
              </option>
            ))}
          </Select>
          <Hint id={`${id}-zone-hint`}>
            The calendar, the lists and the composer show and take times in this zone ({zoneLabel(zone)}).
            {zone !== browserTimeZone && ` This browser is in ${zoneLabel(browserTimeZone)}.`}
          </Hint>
        </div>
        {update.isError && <Alert role="alert">{errorMessage(update.error)}</Alert>}
        <div className="flex gap-2">
          <Button type="submit" disabled={update.isPending || !changed}>
            {update.isPending ? "Saving…" : "Save"}
          </Button>
          {zone !== browserTimeZone && (
            <Button variant="secondary" onClick={() => setZone(browserTimeZone)}>
              Use this browser’s zone
            </Button>
          )}
        </div>
      </form>
    </Card>
  );
}

const expiries: { label: string; days: number }[] = [
  { label: "Never", days: 0 },
  { label: "In 30 days", days: 30 },
  { label: "In 90 days", days: 90 },
  { label: "In a year", days: 365 },
];

function TokensCard() {
  const id = useId();
  const qc = useQueryClient();
  const confirm = useConfirm();
  const [name, setName] = useState("");
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const list = useQuery(AccountService.method.listApiTokens, {});
  const listKey = createConnectQueryKey({ schema: AccountService.method.listApiTokens, cardinality: undefined });
  const create = useMutation(AccountService.method.createApiToken, {
    onSuccess: (r) => {
      setCreated({ name: r.apiToken?.name ?? name, token: r.token });
      setCopied(false);
      setName("");
      void qc.invalidateQueries({ queryKey: listKey });
    },
  });
  const revoke = useMutation(AccountService.method.revokeApiToken, {
    onSuccess: () => {
      toast({ id: "token", title: "Token revoked" });
      void qc.invalidateQueries({ queryKey: listKey });
    },
    onError: (e) => toast({ id: "token", tone: "error", title: "Could not revoke the token", description: errorMessage(e) }),
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    create.mutate({ name: name.trim(), expireTime: days ? msToTs(Date.now() + days * 86400_000) : undefined });
  };
  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      toast({ tone: "error", title: "Could not copy", description: "Select the token and copy it yourself." });
    }
  };
  return (
    <Card aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-950">API tokens</h2>
      <p className="mt-1 text-sm text-slate-700">
        A token lets a program call BetterPlan’s API as you (header <code className="rounded bg-slate-100 px-1">Authorization: Bearer …</code>).
      </p>

      {created && (
        <div role="status" className="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-950">
          <p className="font-semibold">Token “{created.name}” created. Copy it now: it is shown only this once.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <label htmlFor={`${id}-new`} className="sr-only">New token</label>
            <input
              id={`${id}-new`}
              readOnly
              value={created.token}
              onFocus={(e) => e.currentTarget.select()}
              className="min-h-11 min-w-0 flex-1 rounded-lg border border-emerald-400 bg-white px-3 font-mono text-sm text-slate-950"
            />
            <Button size="sm" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </Button>
            <Button size="sm" variant="secondary" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </div>
      )}

      <form onSubmit={submit} className="mt-4 flex flex-wrap items-end gap-3">
        <div className="min-w-48 flex-1">
          <Label htmlFor={`${id}-name`}>Token name</Label>
          <Input id={`${id}-name`} value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} placeholder="e.g. deploy script" className="mt-1" />
        </div>
        <div>
          <Label htmlFor={`${id}-expiry`}>Expires</Label>
          <Select id={`${id}-expiry`} value={days} onChange={(e) => setDays(Number(e.target.value))} className="mt-1">
            {expiries.map((x) => (
              <option key={x.days} value={x.days}>
                {x.label}
              </option>
            ))}
          </Select>
        </div>
        <Button type="submit" disabled={create.isPending || name.trim() === ""}>
          {create.isPending ? "Creating…" : "Create token"}
        </Button>
      </form>
      {create.isError && <Alert role="alert" className="mt-3">{errorMessage(create.error)}</Alert>}

      <h3 className="mt-6 text-base font-semibold text-slate-950">Your tokens</h3>
      {list.isPending && <p className="mt-2 text-slate-700">Loading…</p>}
      {list.isError && <Alert role="alert" className="mt-2">Could not load your tokens: {errorMessage(list.error)}</Alert>}
      {list.isSuccess && list.data.apiTokens.length === 0 && <p className="mt-2 text-slate-800">No tokens yet.</p>}
      {list.isSuccess && list.data.apiTokens.length > 0 && (
        <ul className="mt-2 divide-y divide-slate-200">
          {list.data.apiTokens.map((t) => {
            const expires = tsToMs(t.expireTime);
            const used = tsToMs(t.lastUseTime);
            const createdAt = tsToMs(t.createTime);
            return (
              <li key={t.id} className="flex flex-wrap items-center gap-3 py-3">
                <div className="min-w-0 flex-1 text-sm">
                  <p className="font-semibold text-slate-950">
                    {t.name || "Unnamed"} <code className="ml-1 rounded bg-slate-100 px-1 font-normal text-slate-800">{t.prefix}…</code>
                  </p>
                  <p className="text-slate-700">
                    {createdAt !== undefined && <>Created <RelativeTime ms={createdAt} relative={false} />. </>}
                    {used !== undefined ? <>Last used <RelativeTime ms={used} past />. </> : "Never used. "}
                    {expires !== undefined ? <>Expires <RelativeTime ms={expires} />.</> : "Does not expire."}
                  </p>
                </div>
                <Button
                  size="sm"
                  variant="danger-outline"
                  disabled={revoke.isPending}
                  onClick={async () => {
                    const ok = await confirm({
                      title: `Revoke “${t.name || t.prefix}”?`,
                      description: <p>Programs using this token can no longer call the API. This cannot be undone.</p>,
                      confirmLabel: "Revoke",
                      danger: true,
                    });
                    if (ok) revoke.mutate({ id: t.id });
                  }}
                >
                  Revoke<span className="sr-only"> {t.name || t.prefix}</span>
                </Button>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
