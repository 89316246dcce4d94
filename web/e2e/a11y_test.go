package e2e

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeViolation is the part of an axe-core result the report prints.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
	More int `json:"more"`
}

// axeRun runs axe on the whole document and keeps the serious and critical
// violations (every rule axe runs by default: WCAG 2 A and AA, and its best
// practices).
const axeRun = `(async () => {
  // Colours caught mid-transition are not the page's colours: let running
  // animations end first (at most 2 s; an endless spinner never does).
  await Promise.race([
    Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))),
    new Promise((r) => setTimeout(r, 2000)),
  ]);
  const r = await axe.run(document, { resultTypes: ["violations"] });
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.slice(0, 5).map((n) => ({
        target: n.target.map(String).join(" "),
        html: n.html.slice(0, 300),
        summary: n.failureSummary || "",
      })),
      more: Math.max(0, v.nodes.length - 5),
    }));
})()`

// checkA11y injects axe-core into the page (once per document) and reports
// serious or critical violations as a test error naming the page, with a
// screenshot; the test goes on, so one run shows every page's problems.
func (b *browser) checkA11y(pageName string) {
	b.t.Helper()
	present := run(b, "look for axe", chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if !present {
		// DevTools evaluation is not subject to the page's Content-Security-Policy.
		run(b, "inject axe-core", chromedp.Evaluate[chromedp.Void](axeScript(b.t)+"\n;undefined"))
	}
	violations := run(b, "run axe on "+pageName, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if len(violations) == 0 {
		return
	}
	var report strings.Builder
	fmt.Fprintf(&report, "accessibility: %d serious or critical axe-core violation(s) on %s (%s):", len(violations), pageName, b.location())
	for _, v := range violations {
		fmt.Fprintf(&report, "\n  [%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&report, "\n      at %s\n        %s", n.Target, n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&report, "\n        %s", strings.ReplaceAll(n.Summary, "\n", "\n        "))
			}
		}
		if v.More > 0 {
			fmt.Fprintf(&report, "\n      and %d more element(s)", v.More)
		}
	}
	b.errorf("a11y-"+slug(pageName), "%s", report.String())
}

// slug makes a page name a file name.
func slug(s string) string {
	s = strings.ToLower(s)
	var out strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out.WriteRune(r)
		default:
			if out.Len() > 0 && !strings.HasSuffix(out.String(), "-") {
				out.WriteByte('-')
			}
		}
	}
	return strings.Trim(out.String(), "-")
}
