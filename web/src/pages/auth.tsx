// Sign in and create an account.
import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useRouter } from "@tanstack/react-router";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { usePageTitle } from "../components/AppShell";
import { Button } from "../components/ui/button";
import { Alert } from "../components/ui/card";
import { Hint, Input, Label } from "../components/ui/input";
import { AccountService, type User } from "../gen/betterplan/account/v1/account_pb";
import { errorMessage } from "../lib/api";
import { refreshMe } from "../lib/session";
import { safeRedirect, type AuthSearch } from "../search";

function useSignedIn(redirect: string | undefined): (user: User | undefined) => void {
  const qc = useQueryClient();
  const router = useRouter();
  return (user) => {
    if (!user) return;
    // The workspaces come with GetMe; read them before going in.
    void refreshMe(qc).then(() => {
      if (redirect && safeRedirect(redirect)) router.history.replace(redirect);
      else void router.navigate({ to: "/calendar", replace: true });
    });
  };
}

function AuthFrame({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  usePageTitle(title);
  return (
    <main id="main" className="flex min-h-dvh items-start justify-center bg-slate-50 px-4 py-10 sm:items-center">
      <div className="w-full max-w-md">
        <p className="mb-6 text-center text-2xl font-extrabold tracking-tight text-slate-950">BetterPlan</p>
        <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-xl font-bold text-slate-950">{title}</h1>
          <p className="mt-1 text-sm text-slate-700">Write posts and threads, pick the minute, and BetterPlan publishes them to X.</p>
          {children}
        </section>
        <p className="mt-4 text-center text-sm text-slate-800">{footer}</p>
      </div>
    </main>
  );
}

export function SignInPage({ search }: { search: AuthSearch }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const done = useSignedIn(search.redirect);
  const signIn = useMutation(AccountService.method.signIn, { onSuccess: (r) => done(r.user) });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    signIn.mutate({ email: email.trim(), password });
  };
  return (
    <AuthFrame
      title="Sign in"
      footer={
        <>
          New to BetterPlan?{" "}
          <Link to="/signup" search={search.redirect ? { redirect: search.redirect } : {}} className="inline-flex min-h-11 items-center font-semibold text-sky-800 underline underline-offset-2">
            Create account
          </Link>
        </>
      }
    >
      <form onSubmit={submit} className="mt-6 space-y-4">
        {search.expired && !signIn.isError && <Alert tone="info">Your session has ended. Please sign in again.</Alert>}
        <div>
          <Label htmlFor={`${id}-email`}>Email</Label>
          <Input id={`${id}-email`} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} className="mt-1" />
        </div>
        <div>
          <Label htmlFor={`${id}-password`}>Password</Label>
          <Input id={`${id}-password`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} className="mt-1" />
        </div>
        {signIn.isError && <Alert role="alert">{errorMessage(signIn.error)}</Alert>}
        <Button type="submit" className="w-full" disabled={signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </AuthFrame>
  );
}

export function SignUpPage({ search }: { search: AuthSearch }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const done = useSignedIn(search.redirect);
  const signUp = useMutation(AccountService.method.signUp, { onSuccess: (r) => done(r.user) });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    signUp.mutate({ email: email.trim(), password, displayName: name.trim() });
  };
  return (
    <AuthFrame
      title="Create account"
      footer={
        <>
          Already have an account?{" "}
          <Link to="/signin" search={search.redirect ? { redirect: search.redirect } : {}} className="inline-flex min-h-11 items-center font-semibold text-sky-800 underline underline-offset-2">
            Sign in
          </Link>
        </>
      }
    >
      <form onSubmit={submit} className="mt-6 space-y-4">
        <div>
          <Label htmlFor={`${id}-email`}>Email</Label>
          <Input id={`${id}-email`} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} className="mt-1" />
        </div>
        <div>
          <Label htmlFor={`${id}-password`}>Password</Label>
          <Input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={`${id}-password-hint`}
            className="mt-1"
          />
          <Hint id={`${id}-password-hint`}>At least 8 characters.</Hint>
        </div>
        <div>
          <Label htmlFor={`${id}-name`}>Display name</Label>
          <Input id={`${id}-name`} type="text" autoComplete="name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} aria-describedby={`${id}-name-hint`} className="mt-1" />
          <Hint id={`${id}-name-hint`}>Optional; shown in the app only.</Hint>
        </div>
        {signUp.isError && <Alert role="alert">{errorMessage(signUp.error)}</Alert>}
        <Button type="submit" className="w-full" disabled={signUp.isPending}>
          {signUp.isPending ? "Creating account…" : "Create account"}
        </Button>
      </form>
    </AuthFrame>
  );
}
