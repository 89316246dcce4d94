import { Link } from "@tanstack/react-router";
import { usePageTitle } from "../components/AppShell";

export function NotFoundPage() {
  usePageTitle("Page not found");
  return (
    <main id="main" className="mx-auto max-w-xl px-4 py-16">
      <h1 className="text-2xl font-bold text-slate-950">Page not found</h1>
      <p className="mt-2 text-slate-800">
        There is no page at <code className="rounded bg-slate-100 px-1">{window.location.pathname}</code>.
      </p>
      <p className="mt-4">
        <Link to="/calendar" className="inline-flex min-h-11 items-center font-semibold text-sky-800 underline underline-offset-2">
          Go to your calendar
        </Link>
      </p>
    </main>
  );
}
