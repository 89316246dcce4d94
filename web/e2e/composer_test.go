package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// TestComposer: two accounts at once, a long text split into a thread at
// its sentences, parts reordered and removed, a whitespace-only part
// flagged as it is typed, drafts saved (one per account), and text that is
// never lost: closing asks first, and a reload brings it back.
func TestComposer(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	signUp(b, s, "ada@example.com", "correct horse battery", "Ada Lovelace")
	connectX(b, "ada_one", true)
	b.waitVisible(roleMatching("link", `@ada_one`))
	connectX(b, "ada_two", true)
	b.waitVisible(roleMatching("link", `@ada_two`))

	b.click(role("button", "New post"))
	b.waitVisible(role("dialog", "New post"))
	// The first account is chosen for a new post; choose the second too.
	for _, name := range []string{"ada_one", "ada_two"} {
		box := b.nodes(roleMatching("checkbox", "@"+name).with(chromedp.NodeVisible))[0]
		if !callOn[bool](b, box, `function() { return this.checked }`) {
			callOn[chromedp.Void](b, box, `function() { this.click() }`)
		}
	}

	sentences := []string{
		"The Analytical Engine has no pretensions whatever to originate anything.",
		"It can do whatever we know how to order it to perform.",
		"It can follow analysis; but it has no power of anticipating any analytical relations or truths.",
		"Its province is to assist us in making available what we are already acquainted with.",
		"This it is calculated to effect primarily and chiefly of course, through its executive faculties.",
	}
	b.fill(label("Post"), strings.Join(sentences, " "))
	b.click(role("button", "Split into a thread"))
	var parts []string
	waitFor(b, "a thread of whole sentences", stepTimeout, func() (bool, string) {
		parts = composerParts(b)
		return len(parts) >= 2, strings.Join(parts, " | ")
	})
	if strings.Join(parts, " ") != strings.Join(sentences, " ") {
		b.fatalf("the split lost or changed words:\n got %q\nwant %q", strings.Join(parts, " "), strings.Join(sentences, " "))
	}
	for i, p := range parts {
		if !strings.HasSuffix(p, ".") || len(p) > 280 {
			b.fatalf("part %d is not whole sentences within 280: %q", i+1, p)
		}
	}

	// Reorder: part 2 goes first.
	b.click(role("button", "Move part 2 up"))
	waitFor(b, "part 2 moved up", stepTimeout, func() (bool, string) {
		got := composerParts(b)
		return slices.Equal(got, append([]string{parts[1], parts[0]}, parts[2:]...)), strings.Join(got, " | ")
	})
	parts = composerParts(b)

	// A part of spaces only is flagged as it is typed, then removed.
	b.click(role("button", "Add to thread"))
	last := len(parts) + 1
	b.fill(label(partLabel(last)), "   ")
	waitFor(b, "the blank part flagged", stepTimeout, func() (bool, string) {
		invalid := callOn[string](b, b.nodes(label(partLabel(last)))[0], `function() { return this.getAttribute("aria-invalid") || "" }`)
		return invalid == "true", "aria-invalid=" + invalid
	})
	b.waitVisible(roleWithText("paragraph", `(?i)only spaces|empty|blank`))
	b.click(role("button", "Remove part "+strconv.Itoa(last)))
	waitFor(b, "the blank part removed", stepTimeout, func() (bool, string) {
		got := composerParts(b)
		return slices.Equal(got, parts), strings.Join(got, " | ")
	})
	b.checkA11y("composer (thread, two accounts)")

	// Saved as drafts: one per account, with the parts as arranged.
	b.click(role("button", "Save draft"))
	b.waitGone(role("dialog", "New post"))
	api := signInAPI(b, s, "ada@example.com", "correct horse battery")
	list, err := api.posts.ListPosts(context.Background(), connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: api.workspace(b), Statuses: []postv1.Status{postv1.Status_STATUS_DRAFT}}))
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]bool{}
	for _, p := range list.Msg.GetPosts() {
		var got []string
		for _, part := range p.GetParts() {
			got = append(got, part.GetText())
		}
		if !p.GetThread() || !slices.Equal(got, parts) {
			b.fatalf("a draft has parts %q, want %q", got, parts)
		}
		accounts[p.GetIntegrationId()] = true
	}
	if len(list.Msg.GetPosts()) != 2 || len(accounts) != 2 {
		b.fatalf("%d drafts for %d accounts, want one for each of the 2 accounts", len(list.Msg.GetPosts()), len(accounts))
	}

	// Unsaved text: closing asks, "Keep editing" keeps it, a reload brings
	// it back, "Discard" clears it.
	const unsent = "Words written but not yet saved anywhere."
	b.click(role("button", "New post"))
	b.waitVisible(label("Post"))
	b.fill(label("Post"), unsent)
	time.Sleep(500 * time.Millisecond) // the autosave waits for typing to pause
	b.click(role("button", "Cancel"))
	b.waitVisible(role("alertdialog", "Discard this post?"))
	b.click(role("button", "Keep editing"))
	b.waitGone(role("alertdialog", ""))
	if got := composerParts(b); !slices.Equal(got, []string{unsent}) {
		b.fatalf("after Keep editing the composer holds %q", got)
	}
	b.navigate(s.AppURL + "/app/calendar")
	b.click(role("button", "New post"))
	b.waitVisible(role("button", "Start over")) // on "Your unsent text from last time is back."
	if got := composerParts(b); !slices.Equal(got, []string{unsent}) {
		b.fatalf("after a reload the composer holds %q, want the unsent text", got)
	}
	b.click(role("button", "Cancel"))
	b.click(role("button", "Discard").with(chromedp.FromNode(b.nodes(role("alertdialog", ""))[0])))
	b.waitGone(role("dialog", "New post"))
	b.click(role("button", "New post"))
	b.waitVisible(label("Post"))
	if got := composerParts(b); !slices.Equal(got, []string{""}) {
		b.fatalf("after Discard the composer holds %q, want nothing", got)
	}
}

// composerParts are the texts of the open composer's parts, in order.
func composerParts(b *browser) []string {
	b.t.Helper()
	return run(b, "read the parts", chromedp.Evaluate[[]string](`[...document.querySelectorAll('[role="dialog"] textarea')].map((t) => t.value)`))
}

func partLabel(n int) string { return "Part " + strconv.Itoa(n) }

// signInAPI is the api as the person, through a session of its own.
func signInAPI(b *browser, s *stack, email, password string) *api {
	b.t.Helper()
	res, err := accountv1connect.NewAccountServiceClient(&http.Client{Timeout: 10 * time.Second}, s.AppURL).SignIn(context.Background(),
		connect.NewRequest(&accountv1.SignInRequest{Email: email, Password: password}))
	if err != nil {
		b.fatalf("sign in through the api: %v", err)
	}
	return newAPI(s, res.Msg.GetSessionToken())
}

// TestAccounts: an account X stopped accepting says why and reconnects
// through X's page; another is disconnected after a confirmation.
func TestAccounts(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	signUp(b, s, "ada@example.com", "correct horse battery", "Ada Lovelace")
	connectX(b, "ada_one", true)
	b.waitVisible(roleMatching("link", `@ada_one`))
	connectX(b, "ada_two", true)
	b.waitVisible(roleMatching("link", `@ada_two`))

	// What the publisher records when X answers 401 for an account.
	const reason = "X refused BetterPlan's access to @ada_two (401 Unauthorized)."
	execSQL(b, s, `UPDATE integrations SET status = 'needs_reconnect', status_reason = $1 WHERE username = 'ada_two'`, reason)
	b.navigate(s.AppURL + "/app/integrations")
	b.waitVisible(roleWithText("paragraph", regexp.QuoteMeta(reason)))
	b.checkA11y("X accounts (needs reconnecting)")
	b.click(role("button", "Reconnect"))
	b.waitURL(regexp.QuoteMeta(s.SandboxURL) + `/oauth/authorize`)
	b.fill(labelMatching(sandboxUsername), "ada_two")
	b.click(role("button", "Authorize app"))
	b.waitURL(`/app/integrations`)
	waitFor(b, "the account active again", stepTimeout, func() (bool, string) {
		n := b.count(role("button", "Reconnect").with(chromedp.AtLeast(0)))
		return n == 0, fmt.Sprintf("%d Reconnect buttons", n)
	})

	clickAndConfirm(b, role("button", "Disconnect @ada_one"), "Disconnect")
	b.waitGone(roleMatching("link", `@ada_one`))
	b.waitVisible(roleMatching("link", `@ada_two`))
}

// execSQL changes the database as another part of the system would.
func execSQL(b *browser, s *stack, sql string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		b.fatalf("database: %v", err)
	}
	defer conn.Close(ctx)
	if tag, err := conn.Exec(ctx, sql, args...); err != nil || tag.RowsAffected() == 0 {
		b.fatalf("%s: %v (%d rows)", sql, err, tag.RowsAffected())
	}
}
