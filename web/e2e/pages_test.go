package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Kolkata on a machine without zoneinfo

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"google.golang.org/protobuf/types/known/timestamppb"

	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/gen/betterplan/post/v1/postv1connect"
)

// TestPages walks the pages the flow does not: settings (display name,
// time zone, API tokens), the calendar in a zone that is not the
// browser's (a post just after midnight on Monday there is in that week's
// first row, though it is Sunday in UTC), the post dialog and its focus, a post X refused with X's
// words and Retry, the app at 390 px wide, and signing out.
func TestPages(t *testing.T) {
	s := startStack(t)
	b := newBrowser(t, s)
	const email, password = "grace@example.com", "correct horse battery"
	signUp(b, s, email, password, "Grace Hopper")
	connectX(b, "grace_h", true)
	b.waitVisible(roleMatching("link", `@grace_h`))

	// --- settings: name and zone are saved to the account ---
	b.click(role("link", "Settings"))
	b.waitURL(`/app/settings`)
	b.fill(label("Display name"), "Rear Admiral Grace Hopper")
	setInput(b, label("Time zone"), "Asia/Kolkata")
	b.click(role("button", "Save"))
	b.waitVisible(roleWithText("status", "Settings saved"))
	b.checkA11y("settings")
	b.dismissToasts() // it sits over the token form's button

	// --- an API token: shown once, works, and stops working when revoked ---
	b.fill(label("Token name"), "deploy script")
	b.click(role("button", "Create token"))
	b.waitVisible(label("New token"))
	token := callOn[string](b, b.nodes(label("New token"))[0], `function() { return this.value }`)
	if len(token) < 20 {
		b.fatalf("the new token field shows %q, want a token", token)
	}
	api := newAPI(s, token)
	me, err := api.account.GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil {
		b.fatalf("GetMe with the token the settings page showed: %v", err)
	}
	if got := me.Msg.GetUser(); got.GetDisplayName() != "Rear Admiral Grace Hopper" || got.GetTimeZone() != "Asia/Kolkata" {
		b.fatalf("the account says name %q, zone %q; want the ones saved in settings", got.GetDisplayName(), got.GetTimeZone())
	}
	b.click(role("button", "Done"))
	b.waitGone(label("New token"))
	clickAndConfirm(b, role("button", "Revoke deploy script"), "Revoke")
	b.waitVisible(roleWithText("status", "Token revoked"))
	b.dismissToasts()
	if _, err := api.account.GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		b.fatalf("GetMe with a revoked token: %v, want unauthenticated", err)
	}

	// The rest goes through the api with a new token.
	b.fill(label("Token name"), "test")
	b.click(role("button", "Create token"))
	b.waitVisible(label("New token"))
	api = newAPI(s, callOn[string](b, b.nodes(label("New token"))[0], `function() { return this.value }`))
	b.click(role("button", "Done"))
	account := api.firstAccount(b)

	// --- the calendar in Asia/Kolkata: a post at 00:15 on Monday there ---
	// (Sunday 18:45 UTC) opens the week (weeks start on Monday), in its
	// first row.
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(kolkata)
	toMonday := (8 - int(now.Weekday())) % 7
	if toMonday == 0 {
		toMonday = 7
	}
	monday := time.Date(now.Year(), now.Month(), now.Day()+toMonday, 0, 15, 0, 0, kolkata)
	text := "Monday, just after midnight in Kolkata: the week starts here."
	api.create(b, &postv1.CreatePostRequest{
		IntegrationId: account, Content: &postv1.CreatePostRequest_Text{Text: text},
		When: &postv1.CreatePostRequest_ScheduledTime{ScheduledTime: timestamppb.New(monday)},
	})
	b.navigate(s.AppURL + "/app/calendar?date=" + monday.Format(time.DateOnly))
	b.waitVisible(roleWithText("paragraph", `Times in Asia/Kolkata \(GMT\+5:30\)`))
	chip := chipWithText(b, text[:20])
	if got, want := callOn[string](b, chip, `function() { return this.closest('[data-testid="calendar-slot"]').dataset.time }`), monday.Format(time.DateOnly)+"T00:00:00+05:30"; got != want {
		b.fatalf("the chip of a post at %s is in the slot of %s, want %s", monday, got, want)
	}
	if first := callOn[string](b, chip, `function() {
		const slot = this.closest('[data-testid="calendar-slot"]');
		return [...slot.parentElement.querySelectorAll('[data-testid="calendar-slot"]')].indexOf(slot) + "," + slot.parentElement.dataset.row;
	}`); first != "0,0" {
		b.fatalf("the chip is in column,row %s of the week, want 0,0 (Monday, 00:00)", first)
	}
	// The week before ends on Sunday (the post's day in UTC): not in it.
	b.click(role("button", "Previous week"))
	b.waitVisible(roleMatching("heading", regexp.QuoteMeta(monday.AddDate(0, 0, -1).Format("Jan 2, 2006"))))
	waitFor(b, "the previous week without the post", 5*time.Second, func() (bool, string) {
		n := b.count(testID("post-chip").with(chromedp.AtLeast(0)))
		return n == 0, fmt.Sprintf("%d chips", n)
	})
	b.click(role("button", "Next week"))

	// --- the post dialog: focus on its first control, back on the chip ---
	b.click(testID("post-chip"))
	dialog := role("dialog", "Post")
	b.waitVisible(dialog)
	waitFor(b, "the focus inside the post dialog", 5*time.Second, func() (bool, string) {
		where := run(b, "see where the focus is", chromedp.Evaluate[string](`(() => {
			const el = document.activeElement;
			const d = el && el.closest('[role="dialog"]');
			if (!d) return "outside the dialog: " + (el ? el.outerHTML.slice(0, 120) : "nothing");
			if (el === d) return "on the dialog itself, not a control";
			return "";
		})()`))
		return where == "", where
	})
	b.checkA11y("post dialog")
	b.do("press Escape", chromedp.KeyEvent("\x1b"))
	b.waitGone(dialog)
	if back := run(b, "see where the focus is", chromedp.Evaluate[string](`document.activeElement.dataset.testid || document.activeElement.outerHTML.slice(0, 120)`)); back != "post-chip" {
		b.fatalf("after Escape the focus is on %s, want the chip that opened the dialog", back)
	}

	// --- X refuses a duplicate: the list shows X's words and Retry ---
	dup := "The same words twice: X refuses the second."
	first := api.create(b, &postv1.CreatePostRequest{IntegrationId: account, Content: &postv1.CreatePostRequest_Text{Text: dup}, When: &postv1.CreatePostRequest_Draft{Draft: true}})
	api.publish(b, first)
	waitPost(b, s, dup, "published")
	second := api.create(b, &postv1.CreatePostRequest{IntegrationId: account, Content: &postv1.CreatePostRequest_Text{Text: dup}, When: &postv1.CreatePostRequest_Draft{Draft: true}})
	api.publish(b, second)
	waitPost(b, s, dup, "failed")
	b.click(role("link", "Posts"))
	b.waitURL(`/app/posts`)
	setInput(b, labelMatching(`^Show$`), "attention")
	b.waitURL(`show=attention`)
	failed := postItem(b, dup[:20])
	b.waitVisible(roleWithText("paragraph", "duplicate content").with(chromedp.FromNode(b.nodes(failed)[0])))
	if n := b.count(roleWithText("article", "").with(chromedp.AtLeast(0))); n != 1 {
		b.fatalf("the failed-or-unconfirmed filter shows %d posts, want 1 (the refused one)", n)
	}
	b.checkA11y("posts list (failed)")
	// Retry sends it again (and X refuses it again): the post is
	// rescheduled, then failed once more.
	version := api.get(b, second).GetVersion()
	b.click(role("button", "Retry").with(chromedp.FromNode(b.nodes(failed)[0])))
	waitFor(b, "the retry sent to X", 30*time.Second, func() (bool, string) {
		p := api.get(b, second)
		return p.GetVersion() >= version+2 && p.GetStatus() == postv1.Status_STATUS_FAILED,
			fmt.Sprintf("version %d (before: %d), status %s", p.GetVersion(), version, p.GetStatus())
	})

	// --- 390 px wide: nothing runs off the side; every page still passes ---
	b.do("narrow the window", chromedp.EmulateViewport(390, 844))
	for _, p := range []struct{ link, url, name string }{
		{"Calendar", `/app/calendar`, "calendar (390 px)"},
		{"Posts", `/app/posts`, "posts list (390 px)"},
		{"Queue", `/app/queue`, "queue (390 px)"},
		{"X accounts", `/app/integrations`, "X accounts (390 px)"},
		{"Settings", `/app/settings`, "settings (390 px)"},
	} {
		b.click(role("link", p.link))
		b.waitURL(p.url)
		b.waitVisible(role("heading", ""))
		if w := run(b, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
			b.fatalf("%s is %d px wide in a 390 px window: the page scrolls sideways", p.name, w)
		}
		b.checkA11y(p.name)
	}
	b.do("widen the window", chromedp.EmulateViewport(1280, 800))

	// --- signing out ends the session ---
	b.click(role("button", "Sign out"))
	b.waitURL(`/app/signin`)
	b.navigate(s.AppURL + "/app/posts")
	b.waitURL(`/app/signin`)
}

// api is the Connect clients of one signed-in person (an API token).
type api struct {
	account      accountv1connect.AccountServiceClient
	integrations integrationv1connect.IntegrationServiceClient
	posts        postv1connect.PostServiceClient
	series       postv1connect.SeriesServiceClient
}

func newAPI(s *stack, token string) *api {
	hc := &http.Client{Timeout: 10 * time.Second}
	auth := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+token)
			return next(ctx, req)
		}
	}))
	return &api{
		account:      accountv1connect.NewAccountServiceClient(hc, s.AppURL, auth),
		integrations: integrationv1connect.NewIntegrationServiceClient(hc, s.AppURL, auth),
		posts:        postv1connect.NewPostServiceClient(hc, s.AppURL, auth),
		series:       postv1connect.NewSeriesServiceClient(hc, s.AppURL, auth),
	}
}

func (a *api) firstAccount(b *browser) string {
	b.t.Helper()
	list, err := a.integrations.ListIntegrations(context.Background(), connect.NewRequest(&integrationv1.ListIntegrationsRequest{WorkspaceId: a.workspace(b)}))
	if err != nil || len(list.Msg.GetIntegrations()) == 0 {
		b.fatalf("list X accounts: %v", errors.Join(err, errors.New("none")))
	}
	return list.Msg.GetIntegrations()[0].GetId()
}

// workspace is the person's personal workspace (GetMe lists it first).
func (a *api) workspace(b *browser) string {
	b.t.Helper()
	me, err := a.account.GetMe(context.Background(), connect.NewRequest(&accountv1.GetMeRequest{}))
	if err != nil || len(me.Msg.GetWorkspaces()) == 0 {
		b.fatalf("GetMe: %v (workspaces: %v)", err, me.Msg.GetWorkspaces())
	}
	return me.Msg.GetWorkspaces()[0].GetWorkspace().GetId()
}

func (a *api) create(b *browser, req *postv1.CreatePostRequest) string {
	b.t.Helper()
	res, err := a.posts.CreatePost(context.Background(), connect.NewRequest(req))
	if err != nil {
		b.fatalf("create a post: %v", err)
	}
	return res.Msg.GetPost().GetId()
}

func (a *api) publish(b *browser, id string) {
	b.t.Helper()
	if _, err := a.posts.PublishPost(context.Background(), connect.NewRequest(&postv1.PublishPostRequest{Id: id})); err != nil {
		b.fatalf("publish post %s: %v", id, err)
	}
}

func (a *api) get(b *browser, id string) *postv1.Post {
	b.t.Helper()
	res, err := a.posts.GetPost(context.Background(), connect.NewRequest(&postv1.GetPostRequest{Id: id}))
	if err != nil {
		b.fatalf("get post %s: %v", id, err)
	}
	return res.Msg.GetPost()
}
