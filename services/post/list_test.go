package post_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

func TestListPosts(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	work := ada.connectX("ada_work")
	onWork := func(p *postv1.CreatePostRequest) *postv1.CreatePostRequest { p.IntegrationId = work; return p }

	// Seven posts: two at the same time (the id breaks the tie), one
	// failed, two drafts, over two X accounts.
	all := []*postv1.Post{
		ada.schedule("in 2h", 2*time.Hour),
		ada.schedule("in 1h", time.Hour),
		ada.create(onWork(&postv1.CreatePostRequest{Content: text("work in 2h"), When: at(ada.in(2 * time.Hour))})),
		ada.draft("draft 1"),
		ada.schedule("in 5h", 5*time.Hour),
		ada.create(onWork(&postv1.CreatePostRequest{Content: text("work draft"), When: &postv1.CreatePostRequest_Draft{Draft: true}})),
		ada.schedule("in 3h, failed", 3*time.Hour),
	}
	setPost(t, env, all[6].GetId(), asFailed)
	newUser(t, env, "eve@example.com", "eve_x").schedule("Eve's", time.Hour)

	asc := slices.Clone(all)
	slices.SortFunc(asc, func(a, b *postv1.Post) int {
		if (a.GetScheduledTime() == nil) != (b.GetScheduledTime() == nil) {
			if a.GetScheduledTime() == nil {
				return 1
			}
			return -1
		}
		if a.GetScheduledTime() != nil {
			if c := a.GetScheduledTime().AsTime().Compare(b.GetScheduledTime().AsTime()); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.GetId(), b.GetId())
	})
	desc := slices.Clone(asc[:5])
	slices.Reverse(desc)
	drafts := slices.Clone(asc[5:])
	slices.Reverse(drafts)
	desc = append(desc, drafts...) // drafts last either way
	texts := func(ps []*postv1.Post) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.GetParts()[0].GetText()
		}
		return out
	}
	if want := []string{"in 1h", "in 2h", "work in 2h", "in 3h, failed", "in 5h", "draft 1", "work draft"}; !slices.Equal(texts(asc), want) {
		t.Fatalf("test setup: ascending order %q, want %q", texts(asc), want)
	}

	list := func(req *postv1.ListPostsRequest) (*postv1.ListPostsResponse, error) {
		if req.WorkspaceId == "" {
			req.WorkspaceId = ada.ws
		}
		res, err := ada.c.ListPosts(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	// all pages, checking each page's size
	walk := func(t *testing.T, req *postv1.ListPostsRequest) []*postv1.Post {
		t.Helper()
		var out []*postv1.Post
		for page := 0; ; page++ {
			res, err := list(req)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			out = append(out, res.GetPosts()...)
			if res.GetNextPageToken() == "" {
				return out
			}
			if len(res.GetPosts()) != int(req.GetPageSize()) {
				t.Fatalf("page %d has %d posts and a next page", page, len(res.GetPosts()))
			}
			if page > 10 {
				t.Fatal("pagination does not end")
			}
			req.PageToken = res.GetNextPageToken()
		}
	}
	ids := func(ps []*postv1.Post) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.GetId()
		}
		return out
	}

	t.Run("one page, both orders", func(t *testing.T) {
		res, err := list(&postv1.ListPostsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(res.GetPosts()), ids(asc)) || res.GetNextPageToken() != "" {
			t.Fatalf("ascending %q, want %q", texts(res.GetPosts()), texts(asc))
		}
		res, err = list(&postv1.ListPostsRequest{Descending: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(res.GetPosts()), ids(desc)) {
			t.Fatalf("descending %q, want %q", texts(res.GetPosts()), texts(desc))
		}
	})
	t.Run("pages of 3 visit each post once, in order", func(t *testing.T) {
		if got := walk(t, &postv1.ListPostsRequest{PageSize: 3}); !slices.Equal(ids(got), ids(asc)) {
			t.Fatalf("ascending pages %q, want %q", texts(got), texts(asc))
		}
		if got := walk(t, &postv1.ListPostsRequest{PageSize: 3, Descending: true}); !slices.Equal(ids(got), ids(desc)) {
			t.Fatalf("descending pages %q, want %q", texts(got), texts(desc))
		}
		for size := int32(1); size <= 8; size++ {
			if got := walk(t, &postv1.ListPostsRequest{PageSize: size}); !slices.Equal(ids(got), ids(asc)) {
				t.Fatalf("pages of %d: %q", size, texts(got))
			}
			if got := walk(t, &postv1.ListPostsRequest{PageSize: size, Descending: true}); !slices.Equal(ids(got), ids(desc)) {
				t.Fatalf("descending pages of %d: %q", size, texts(got))
			}
		}
	})
	t.Run("filters", func(t *testing.T) {
		cases := []struct {
			name string
			req  *postv1.ListPostsRequest
			want []string
		}{
			{"failed", &postv1.ListPostsRequest{Statuses: []postv1.Status{postv1.Status_STATUS_FAILED}}, []string{"in 3h, failed"}},
			{"drafts and failed", &postv1.ListPostsRequest{Statuses: []postv1.Status{postv1.Status_STATUS_DRAFT, postv1.Status_STATUS_FAILED}},
				[]string{"in 3h, failed", "draft 1", "work draft"}},
			{"work account", &postv1.ListPostsRequest{IntegrationId: work}, []string{"work in 2h", "work draft"}},
			{"time range, drafts left out", &postv1.ListPostsRequest{ScheduledAfter: ada.in(2 * time.Hour), ScheduledBefore: ada.in(5 * time.Hour)},
				[]string{"in 2h", "work in 2h", "in 3h, failed"}},
			{"after only", &postv1.ListPostsRequest{ScheduledAfter: ada.in(3 * time.Hour), Descending: true}, []string{"in 5h", "in 3h, failed"}},
			{"before only, scheduled", &postv1.ListPostsRequest{ScheduledBefore: ada.in(2*time.Hour + time.Microsecond), Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED}},
				[]string{"in 1h", "in 2h", "work in 2h"}},
			{"unknown account", &postv1.ListPostsRequest{IntegrationId: "nope"}, []string{}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res, err := list(tc.req)
				if err != nil {
					t.Fatal(err)
				}
				if got := texts(res.GetPosts()); !slices.Equal(got, tc.want) {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
				// Paged one by one, the same.
				tc.req.PageSize = 1
				if got := texts(walk(t, tc.req)); !slices.Equal(got, tc.want) {
					t.Fatalf("paged: got %q, want %q", got, tc.want)
				}
			})
		}
	})
	t.Run("invalid requests", func(t *testing.T) {
		first, err := list(&postv1.ListPostsRequest{PageSize: 3, Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_DRAFT}})
		if err != nil {
			t.Fatal(err)
		}
		token := first.GetNextPageToken()
		// The same statuses in another order and a different page size are the same listing.
		if _, err := list(&postv1.ListPostsRequest{PageSize: 2, PageToken: token, Statuses: []postv1.Status{postv1.Status_STATUS_DRAFT, postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_DRAFT}}); err != nil {
			t.Fatalf("same filter, other order: %v", err)
		}
		cases := []struct {
			name    string
			req     *postv1.ListPostsRequest
			mention string
		}{
			{"negative page size", &postv1.ListPostsRequest{PageSize: -1}, "page_size must be 1 to 100"},
			{"page size 101", &postv1.ListPostsRequest{PageSize: 101}, "page_size must be 1 to 100"},
			{"unspecified status", &postv1.ListPostsRequest{Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_UNSPECIFIED}}, "statuses[1]"},
			{"empty range", &postv1.ListPostsRequest{ScheduledAfter: ada.in(time.Hour), ScheduledBefore: ada.in(time.Hour)}, "scheduled_after must be before scheduled_before"},
			{"garbage token", &postv1.ListPostsRequest{PageToken: "not a token!"}, "page_token is not a token ListPosts returned"},
			{"base64 garbage token", &postv1.ListPostsRequest{PageToken: "eyJ4IjoxfQ"}, "page_token is not a token ListPosts returned"},
			{"token with other statuses", &postv1.ListPostsRequest{PageToken: token, Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED}}, "page_token belongs to a listing with other filters"},
			{"token without filter", &postv1.ListPostsRequest{PageToken: token}, "page_token belongs to a listing with other filters"},
			{"token in the other order", &postv1.ListPostsRequest{PageToken: token, Descending: true,
				Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_DRAFT}}, "page_token belongs to a listing with other filters"},
			{"token with a time range", &postv1.ListPostsRequest{PageToken: token, ScheduledAfter: ada.in(0),
				Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_DRAFT}}, "page_token belongs to a listing with other filters"},
			{"token with an account", &postv1.ListPostsRequest{PageToken: token, IntegrationId: work,
				Statuses: []postv1.Status{postv1.Status_STATUS_SCHEDULED, postv1.Status_STATUS_DRAFT}}, "page_token belongs to a listing with other filters"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := list(tc.req)
				wantCode(t, err, connect.CodeInvalidArgument, tc.mention)
			})
		}
	})
}

func TestListPostsDefaultPageSize(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	for i := range 51 {
		ada.schedule(fmt.Sprintf("post %d", i), time.Duration(i+1)*time.Minute)
	}
	res, err := ada.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: ada.ws}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Msg.GetPosts()) != 50 || res.Msg.GetNextPageToken() == "" {
		t.Fatalf("unset page_size gave %d posts (next page %q), want 50 and a next page", len(res.Msg.GetPosts()), res.Msg.GetNextPageToken())
	}
	res, err = ada.c.ListPosts(ctx, connect.NewRequest(&postv1.ListPostsRequest{WorkspaceId: ada.ws, PageSize: 100}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Msg.GetPosts()) != 51 || res.Msg.GetNextPageToken() != "" {
		t.Fatalf("page_size 100 gave %d posts (next page %q), want all 51 and no next page", len(res.Msg.GetPosts()), res.Msg.GetNextPageToken())
	}
}
