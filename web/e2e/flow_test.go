package e2e

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// The names the app gives its controls, as a person (or a screen reader)
// finds them.
const (
	createAccount   = "Create account" // the sign-in page's link and the sign-up page's button
	sandboxUsername = `^X username`    // the X sandbox's authorization page
	publishNow      = "Publish now"    // a post's button and its confirmation's
)

// TestFlow is a person's first session: sign up, connect an X account
// (approving in the X sandbox), write a two-part thread and see it in the
// preview, schedule it, find it in the calendar, drag it to the next day,
// publish it now (confirming) and watch it become published, with its links
// to X, without reloading. axe checks every page on the way.
//
// With BETTERPLAN_SCREENSHOTS=dir it also writes the README's screenshots
// there: composer.png, calendar.png and posts.png.
func TestFlow(t *testing.T) {
	shots := os.Getenv("BETTERPLAN_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := startStack(t)
	b := newBrowser(t, s)
	start := time.Now()
	step := func(name string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), name) }

	const email, password = "ada@example.com", "correct horse battery"
	step("sign up")
	signUp(b, s, email, password, "Ada Lovelace")

	step("connect X (approve)")
	connectX(b, "ada_lovelace", true)
	b.waitVisible(roleMatching("link", `@ada_lovelace`))
	b.checkA11y("integrations page (connected)")
	if shots != "" {
		seedForScreenshots(b, email, password)
	}

	// --- compose a thread, with its preview ---
	step("compose")
	parts := []string{
		"Notes on the Analytical Engine, part one: it weaves algebraic patterns as the Jacquard loom weaves flowers and leaves.",
		"Part two: the engine might act upon other things besides number, were objects found whose mutual relations could be expressed so.",
	}
	b.click(role("button", "New post"))
	composer := role("dialog", "New post")
	b.waitVisible(composer)
	b.fill(label("Post"), parts[0])
	b.click(role("button", "Add to thread"))
	b.fill(label("Part 2"), parts[1])
	b.waitVisible(label("Part 1"))
	// Each part's count, as X counts (plain text: one per character).
	waitFor(b, "a count for each part", stepTimeout, func() (bool, string) {
		var counts []string
		for _, n := range b.nodes(testID("part-count").with(chromedp.AtLeast(0))) {
			counts = append(counts, callOn[string](b, n, `function() { return this.innerText }`))
		}
		if len(counts) != len(parts) {
			return false, fmt.Sprintf("%d counts: %q", len(counts), counts)
		}
		for i, p := range parts {
			if !strings.Contains(counts[i], fmt.Sprintf("%d/280", len(p))) {
				return false, fmt.Sprintf("part %d's count reads %q, want %d/280", i+1, counts[i], len(p))
			}
		}
		return true, ""
	})
	// The preview shows the thread as X will: one entry per part, in order.
	preview := testID("x-preview")
	b.waitVisible(preview)
	waitFor(b, "the preview to show both parts", stepTimeout, func() (bool, string) {
		shown := b.nodes(role("listitem", "").with(chromedp.FromNode(b.nodes(preview)[0]), chromedp.AtLeast(0)))
		if len(shown) != len(parts) {
			return false, fmt.Sprintf("it shows %d parts", len(shown))
		}
		for i, p := range parts {
			if text := callOn[string](b, shown[i], `function() { return this.innerText }`); !strings.Contains(text, p) {
				return false, fmt.Sprintf("its part %d reads %q", i+1, text)
			}
		}
		return true, ""
	})
	b.checkA11y("composer with preview")
	if shots != "" {
		b.dismissToasts()
		b.screenshot(shots, "composer")
	}

	// --- schedule it ---
	step("schedule")
	when := scheduleTime(time.Now())
	setInput(b, label("Publish at"), when.Format("2006-01-02T15:04"))
	b.click(role("button", "Schedule"))
	b.waitGone(composer)
	postID := waitPost(b, s, parts[0], "scheduled")
	if at := scheduledAt(b, s, postID); !at.Equal(when) {
		b.fatalf("the post is scheduled for %s, want %s (what was typed)", at.Local(), when)
	}
	t.Logf("post %s scheduled for %s", postID, when.Format(time.RFC3339))

	// --- the calendar shows it; drag it to the next day ---
	// The page is not loaded again from here on: the app changes pages
	// itself, and the post's changes reach it by themselves.
	run(b, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__e2eNotReloaded = true`))
	step("calendar")
	b.click(role("link", "Calendar"))
	b.waitURL(`/app/calendar`)
	b.waitVisible(testID("post-chip"))
	// The week: 30-minute slots; the chip is in the one of its time.
	if from := slotOf(b, chipWithText(b, parts[0][:20])); !from.Equal(halfHour(when)) {
		b.fatalf("the post's chip is in the week's slot of %s, want the one of %s", from, when)
	}
	b.checkA11y("calendar (week)")
	if shots != "" {
		b.dismissToasts()
		b.scrollTo(chipWithText(b, parts[0][:20]))
		run(b, "scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)) // the board keeps its own scroll
		b.screenshot(shots, "calendar")
	}
	// The month shows tomorrow whatever today is (a week may end today).
	b.click(role("button", "Month"))
	b.waitURL(`view=month`)
	b.waitVisible(testID("post-chip"))
	if from := slotOf(b, chipWithText(b, parts[0][:20])); !sameDay(from, when) {
		b.fatalf("the post's chip is in the month's cell of %s, want the day of %s", from, when)
	}
	b.checkA11y("calendar (month)")
	chipsInsideCells(b)
	step("drag to tomorrow")
	target := findSlot(b, when.AddDate(0, 0, 1))
	dragTo(b, chipWithText(b, parts[0][:20]), target.node)
	waitFor(b, "the chip in the next day's cell", 10*time.Second, func() (bool, string) {
		at := slotOf(b, chipWithText(b, parts[0][:20]))
		return at.Equal(target.time), fmt.Sprintf("the chip is in the cell of %s, want %s", at, target.time)
	})
	var moved time.Time
	waitFor(b, "the new time saved", 10*time.Second, func() (bool, string) {
		moved = scheduledAt(b, s, postID)
		// A day cell keeps the time of day.
		return moved.Equal(when.AddDate(0, 0, 1)), fmt.Sprintf("the post is scheduled for %s, want %s", moved.Local(), when.AddDate(0, 0, 1))
	})
	t.Logf("dragged: now scheduled for %s", moved.Local().Format(time.RFC3339))
	// On a touch screen: press and hold, then drag, and the page does not
	// scroll instead.
	step("drag by touch to the day after")
	target = findSlot(b, when.AddDate(0, 0, 2))
	touchDragTo(b, chipWithText(b, parts[0][:20]), target.node)
	waitFor(b, "the new time saved", 10*time.Second, func() (bool, string) {
		moved = scheduledAt(b, s, postID)
		return moved.Equal(when.AddDate(0, 0, 2)), fmt.Sprintf("the post is scheduled for %s, want %s", moved.Local(), when.AddDate(0, 0, 2))
	})

	// --- publish it now, and watch it become published without a reload ---
	step("publish now")
	b.click(role("link", "Posts"))
	b.waitURL(`/app/posts`)
	item := postItem(b, parts[0][:20])
	b.checkA11y("posts list")
	clickAndConfirm(b, role("button", publishNow).with(chromedp.FromNode(b.nodes(item)[0])), publishNow)
	waitPost(b, s, parts[0], "published")
	step("published: waiting for the links")
	links := waitPartLinks(b, item, "ada_lovelace", len(parts))
	if notReloaded := run(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.__e2eNotReloaded === true`)); !notReloaded {
		b.fatalf("the page was reloaded while the post was published (want the list to update by itself)")
	}
	t.Logf("published: %v", links)
	for i, link := range links {
		if page := httpGet(t, link); !strings.Contains(html.UnescapeString(page), parts[i][:40]) {
			t.Errorf("the link to part %d (%s) opens a page without its text: %.300s", i+1, link, page)
		}
	}
	onX := sandboxPosts(t, s)
	for i, p := range parts {
		if !strings.Contains(onX, p[:40]) {
			t.Errorf("the X sandbox did not receive part %d (%q…)", i+1, p[:40])
		}
	}
	b.checkA11y("posts list (published)")
	if shots != "" {
		b.dismissToasts()
		b.scrollTo(b.nodes(item)[0])
		b.screenshot(shots, "posts")
	}
	step("done")
}

// TestConnectXDenied: the person cancels on X's authorization page; the
// integrations page says so in words, and nothing is connected.
func TestConnectXDenied(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	signUp(b, s, "grace@example.com", "correct horse battery", "Grace Hopper")
	connectX(b, "grace_hopper", false)
	b.waitURL(`/app/integrations`)
	b.waitVisible(roleWithText("alert", `You declined on X`))
	if n := b.count(roleMatching("link", `@grace_hopper`)); n != 0 {
		b.fatalf("after a denial, @grace_hopper is listed (%d links)", n)
	}
	b.checkA11y("integrations page (denied)")
}

// signUp creates an account from the sign-in page and waits until the app
// shows a signed-in page.
func signUp(b *browser, s *stack, email, password, name string) {
	b.t.Helper()
	b.navigate(s.AppURL + "/")
	b.waitURL(`/app/signin`)
	b.waitVisible(label("Email"))
	b.checkA11y("sign-in page")
	b.click(role("link", createAccount))
	b.waitURL(`/app/signup`)
	b.fill(label("Email"), email)
	b.fill(label("Password"), password)
	b.fill(label("Display name"), name)
	b.checkA11y("sign-up page")
	b.click(role("button", createAccount))
	b.waitURL(`/app/calendar`)
	b.waitVisible(role("heading", "Calendar"))
}

// connectX starts connecting an X account from the integrations page, and
// approves (or cancels) on the X sandbox's authorization page as username.
func connectX(b *browser, username string, approve bool) {
	b.t.Helper()
	b.click(role("link", "X accounts"))
	b.waitURL(`/app/integrations`)
	b.click(role("button", "Connect X"))
	b.waitURL(regexp.QuoteMeta(b.s.SandboxURL) + `/oauth/authorize`)
	b.waitVisible(labelMatching(sandboxUsername))
	b.checkA11y("X sandbox's authorization page")
	b.fill(labelMatching(sandboxUsername), username)
	if approve {
		b.click(role("button", "Authorize app"))
		b.waitURL(`/app/integrations`)
	} else {
		b.click(role("button", "Cancel"))
	}
}

// scheduleTime is a time later today, 20 to 25 minutes ahead on a 5-minute
// mark (after 23:35 it is tomorrow at 9, which the week shown may not hold
// on a Sunday night: the test then fails at the week view).
func scheduleTime(now time.Time) time.Time {
	t := now.Add(20 * time.Minute).Truncate(5 * time.Minute)
	if !sameDay(t, now) {
		y, m, d := now.AddDate(0, 0, 1).Date()
		t = time.Date(y, m, d, 9, 0, 0, 0, time.Local)
	}
	return t
}

// halfHour is the start of the week view's 30-minute slot holding t.
func halfHour(t time.Time) time.Time {
	t = t.Local()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()/30*30, 0, 0, time.Local)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Local().Date()
	by, bm, bd := b.Local().Date()
	return ay == by && am == bm && ad == bd
}

// setInput sets an input's value as the browser's own picker would (the
// native setter, then input and change events, which React listens to).
func setInput(b *browser, e el, value string) {
	b.t.Helper()
	node := b.nodes(e.with(chromedp.NodeVisible))[0]
	callOn[chromedp.Void](b, node, `function(v) {
		const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(this), "value").set;
		setter.call(this, v);
		this.dispatchEvent(new Event("input", { bubbles: true }));
		this.dispatchEvent(new Event("change", { bubbles: true }));
	}`, value)
}

// callOn calls a JavaScript function with the node as this.
func callOn[T any](b *browser, n *chromedp.Node, fn string, args ...any) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Action[T](func(ctx context.Context, t *chromedp.Target) (T, error) {
		var zero T
		obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: n.NodeID, ObjectGroup: "e2e-call"})
		if err != nil {
			return zero, err
		}
		defer func() {
			_, _ = cdp.Call(ctx, t, runtime.ReleaseObjectGroup, runtime.ReleaseObjectGroupParams{ObjectGroup: "e2e-call"})
		}()
		var callArgs []*runtime.CallArgument
		for _, a := range args {
			j, err := jsonMarshal(a)
			if err != nil {
				return zero, err
			}
			callArgs = append(callArgs, &runtime.CallArgument{Value: j})
		}
		yes := true
		res, err := cdp.Call(ctx, t, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: fn, ObjectID: obj.Object.ObjectID, Arguments: callArgs,
			ReturnByValue: &yes, AwaitPromise: &yes,
		})
		if err != nil {
			return zero, err
		}
		if res.ExceptionDetails != nil {
			return zero, &chromedp.ExceptionError{ExceptionDetails: res.ExceptionDetails}
		}
		if _, void := any(zero).(chromedp.Void); void || res.Result == nil || len(res.Result.Value) == 0 {
			return zero, nil
		}
		return zero, jsonUnmarshal(res.Result.Value, &zero)
	}))
	if err != nil {
		b.fatalf("call on %s: %v", n.LocalName, err)
	}
	return v
}

// chipWithText is the calendar chip whose text contains text.
func chipWithText(b *browser, text string) *chromedp.Node {
	b.t.Helper()
	var found *chromedp.Node
	waitFor(b, fmt.Sprintf("a post chip showing %q", text), stepTimeout, func() (bool, string) {
		for _, n := range b.nodes(testID("post-chip").with(chromedp.AtLeast(0))) {
			if strings.Contains(callOn[string](b, n, `function() { return this.innerText }`), text) {
				found = n
				return true, ""
			}
		}
		return false, "no chip shows it"
	})
	return found
}

// slotOf is the data-time of the calendar cell holding a node.
func slotOf(b *browser, n *chromedp.Node) time.Time {
	b.t.Helper()
	v := callOn[string](b, n, `function() {
		const cell = this.closest('[data-testid="calendar-slot"]');
		return cell ? cell.getAttribute("data-time") || "" : "";
	}`)
	if v == "" {
		b.fatalf("the chip is not inside a calendar-slot with a data-time")
	}
	return parseSlotTime(b, v)
}

type slot struct {
	time time.Time
	node *chromedp.Node
}

// findSlot is the calendar cell for when: the latest whose data-time is at
// or before it (a day cell starts at midnight, an hour cell at its hour).
func findSlot(b *browser, when time.Time) slot {
	b.t.Helper()
	var best slot
	var seen []string
	for _, n := range b.nodes(testID("calendar-slot")) {
		v := n.AttributeValue("data-time")
		seen = append(seen, v)
		at := parseSlotTime(b, v)
		if !at.After(when) && (best.node == nil || at.After(best.time)) {
			best = slot{at, n}
		}
	}
	if best.node == nil || !sameDay(best.time, when) {
		b.fatalf("no calendar cell for %s among %d cells (%s … %s)", when, len(seen), seen[0], seen[len(seen)-1])
	}
	return best
}

func parseSlotTime(b *browser, v string) time.Time {
	b.t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t
		}
	}
	b.fatalf("calendar cell data-time %q is not an ISO time", v)
	return time.Time{}
}

// chipsInsideCells fails when a calendar chip reaches out of its cell (a
// long text that is not cut short covers the next day).
func chipsInsideCells(b *browser) {
	b.t.Helper()
	out := run(b, "check the chips stay in their cells", chromedp.Evaluate[[]string](`
		[...document.querySelectorAll('[data-testid="post-chip"]')].flatMap((chip) => {
			const cell = chip.closest('[data-testid="calendar-slot"]').getBoundingClientRect();
			const r = chip.getBoundingClientRect();
			const inside = r.left >= cell.left - 0.5 && r.right <= cell.right + 0.5 && chip.scrollWidth <= chip.clientWidth + 1;
			return inside ? [] : [chip.textContent.slice(0, 60) + ": chip " + Math.round(r.left) + "–" + Math.round(r.right) + " (content " + chip.scrollWidth + " px wide), cell " + Math.round(cell.left) + "–" + Math.round(cell.right)];
		})`))
	if len(out) > 0 {
		b.fatalf("calendar chips reach out of their cells: %v", out)
	}
}

// dragTo drags a chip onto a calendar cell with the mouse, as a person
// does: press on the chip, move to the cell's centre in steps, and release
// there. The cell must show it is the drop target (the app marks it
// data-drop) before the release: nothing may cover a cell's centre.
func dragTo(b *browser, chip, cell *chromedp.Node) {
	b.t.Helper()
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	callOn[chromedp.Void](b, cell, `function() { this.scrollIntoView({ block: "center", inline: "center" }) }`)
	from := callOn[point](b, chip, `function() {
		const r = this.getBoundingClientRect();
		return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
	}`)
	to := callOn[point](b, cell, `function() {
		const r = this.getBoundingClientRect();
		return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
	}`)
	mouse := func(typ input.DispatchMouseEventType, x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft}
			switch typ {
			case chromedp.MousePressed:
				p.Buttons, p.ClickCount = 1, 1
			case chromedp.MouseMoved:
				p.Buttons = 1
			case chromedp.MouseReleased:
				p.ClickCount = 1
			}
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, p)
			return err
		})
	}
	const steps = 10
	b.do("press on the chip", mouse(chromedp.MousePressed, from.X, from.Y))
	for s := 1; s <= steps; s++ {
		f := float64(s) / steps
		b.do("move the chip", mouse(chromedp.MouseMoved, from.X+(to.X-from.X)*f, from.Y+(to.Y-from.Y)*f))
	}
	if over := callOn[string](b, cell, `function(x, y) {
		if (this.dataset.drop === "true") return "";
		const hit = document.elementFromPoint(x, y);
		return hit ? hit.outerHTML.slice(0, 300) : "nothing";
	}`, to.X, to.Y); over != "" {
		b.do("let go", mouse(chromedp.MouseReleased, to.X, to.Y))
		b.fatalf("with the chip dragged over the centre of the target cell, the cell is not marked as the drop target; the pointer is over: %s", over)
	}
	b.do("release the chip", mouse(chromedp.MouseReleased, to.X, to.Y))
}

// touchDragTo drags a chip with a finger: touch it, hold still until it is
// picked up, move to the cell's centre, lift. The page must not scroll
// while the finger moves.
func touchDragTo(b *browser, chip, cell *chromedp.Node) {
	b.t.Helper()
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	centre := `function() {
		const r = this.getBoundingClientRect();
		return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
	}`
	callOn[chromedp.Void](b, cell, `function() { this.scrollIntoView({ block: "center", inline: "center" }) }`)
	from, to := callOn[point](b, chip, centre), callOn[point](b, cell, centre)
	touch := func(typ input.DispatchTouchEventType, p *point) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			params := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
			if p != nil {
				params.TouchPoints = []*input.TouchPoint{{X: p.X, Y: p.Y}}
			}
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, params)
			return err
		})
	}
	scroll := `[window.scrollX, window.scrollY, document.querySelector('[role="region"][aria-label="Month"], [role="region"][aria-label="Week"]').scrollLeft].join(",")`
	before := run(b, "read the scroll position", chromedp.Evaluate[string](scroll))
	b.do("touch the chip", touch(input.DispatchTouchEventTypeTouchStart, &from))
	time.Sleep(700 * time.Millisecond) // hold until the chip is picked up
	const steps = 10
	for s := 1; s <= steps; s++ {
		f := float64(s) / steps
		b.do("move the finger", touch(input.DispatchTouchEventTypeTouchMove, &point{from.X + (to.X-from.X)*f, from.Y + (to.Y-from.Y)*f}))
	}
	lit := callOn[bool](b, cell, `function() { return this.dataset.drop === "true" }`)
	after := run(b, "read the scroll position", chromedp.Evaluate[string](scroll))
	b.do("lift the finger", touch(input.DispatchTouchEventTypeTouchEnd, nil))
	if !lit {
		b.fatalf("with a finger holding a chip over the centre of the target cell, the cell is not marked as the drop target")
	}
	if before != after {
		b.fatalf("the page scrolled while a finger dragged a chip (window x, y, board x: %s → %s)", before, after)
	}
}

// postItem is the posts list's entry (an article) for the
// post whose text contains text.
func postItem(b *browser, text string) el {
	b.t.Helper()
	e := roleWithText("article", regexp.QuoteMeta(text))
	b.waitVisible(e)
	return e
}

// clickAndConfirm clicks a button that asks for confirmation, and confirms:
// an alert dialog, with its button named confirm, or a JavaScript confirm()
// (accepted by the browser's dialog handler).
func clickAndConfirm(b *browser, button el, confirm string) {
	b.t.Helper()
	before := len(b.dialogMessages())
	b.click(button)
	dialog := role("alertdialog", "").with(chromedp.NodeVisible)
	waitFor(b, "a confirmation", stepTimeout, func() (bool, string) {
		if len(b.dialogMessages()) > before {
			return true, ""
		}
		if b.count(dialog) > 0 {
			b.click(role("button", confirm).with(chromedp.FromNode(b.nodes(dialog)[0])))
			b.waitGone(role("alertdialog", ""))
			return true, ""
		}
		return false, "no confirm() and no dialog"
	})
}

// waitPartLinks waits until the post's entry links to each of its n parts on
// X (https://x.com/<username>/status/<id>) and returns the links.
func waitPartLinks(b *browser, item el, username string, n int) []string {
	b.t.Helper()
	// The stack's X is the sandbox: links point at its pages, not x.com.
	rx := regexp.MustCompile(`^` + regexp.QuoteMeta(b.s.SandboxURL) + `/` + regexp.QuoteMeta(username) + `/status/\d+$`)
	var hrefs []string
	waitFor(b, fmt.Sprintf("links to the %d parts on X", n), 30*time.Second, func() (bool, string) {
		hrefs = hrefs[:0]
		items := b.nodes(item)
		for _, l := range b.nodes(role("link", "").with(chromedp.FromNode(items[0]), chromedp.AtLeast(0))) {
			if h := l.AttributeValue("href"); rx.MatchString(h) && !contains(hrefs, h) {
				hrefs = append(hrefs, h)
			}
		}
		return len(hrefs) >= n, fmt.Sprintf("%d part links: %v", len(hrefs), hrefs)
	})
	return hrefs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// waitFor polls check every 100 ms until it is true, or fails with its last
// words after d.
func waitFor(b *browser, what string, d time.Duration, check func() (bool, string)) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, why := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("waited %s for %s: %s", d, what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPost waits until the database has the post whose first part starts
// like text in status, and returns its id (what the app did, checked at
// the source).
func waitPost(b *browser, s *stack, text, status string) string {
	b.t.Helper()
	var id, got string
	waitFor(b, fmt.Sprintf("the post %q… %s in the database", text[:20], status), 30*time.Second, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.DBURL)
		if err != nil {
			return false, err.Error()
		}
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, `SELECT id, status FROM posts WHERE parts[1] = $1 ORDER BY created_at DESC LIMIT 1`, text).Scan(&id, &got)
		if err != nil {
			return false, "no such post: " + err.Error()
		}
		return got == status, "its status is " + got
	})
	return id
}

// scheduledAt is the post's scheduled time in the database.
func scheduledAt(b *browser, s *stack, id string) time.Time {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		b.fatalf("database: %v", err)
	}
	defer conn.Close(ctx)
	var at time.Time
	if err := conn.QueryRow(ctx, `SELECT scheduled_at FROM posts WHERE id = $1`, id).Scan(&at); err != nil {
		b.fatalf("post %s: %v", id, err)
	}
	return at
}

// sandboxPosts is the X sandbox's home page, which lists every post it got.
func sandboxPosts(t *testing.T, s *stack) string {
	t.Helper()
	return httpGet(t, s.SandboxURL+"/")
}

// httpGet is the body of a page that must exist.
func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", url, res.Status)
	}
	return string(body)
}
