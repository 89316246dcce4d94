package post_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
	"github.com/betterplan/betterplan/internal/apitest"
)

// TestRequestRules: the proto rules bound sizes and enum values; what X
// would take (280 weighted characters, 2 to 25 parts) is still the
// service's to say, with its own messages.
func TestRequestRules(t *testing.T) {
	t.Parallel()
	env := apitest.Start(t, apitest.Options{})
	ada := newUser(t, env, "ada@example.com", "ada_x")
	draft := &postv1.CreatePostRequest_Draft{Draft: true}
	threadOf := func(n int) *postv1.CreatePostRequest_Thread {
		p := make([]string, n)
		for i := range p {
			p[i] = "part"
		}
		return thread(p...)
	}
	create := func(req *postv1.CreatePostRequest) error {
		_, err := ada.c.CreatePost(ctx, connect.NewRequest(req))
		return err
	}
	list := func(req *postv1.ListPostsRequest) error {
		_, err := ada.c.ListPosts(ctx, connect.NewRequest(req))
		return err
	}
	cases := []struct {
		name    string
		err     error
		mention string
	}{
		{"text over X's limit", create(&postv1.CreatePostRequest{IntegrationId: ada.integID, When: draft,
			Content: text(strings.Repeat("x", 281))}), "X allows 280"},
		{"text over the raw bound", create(&postv1.CreatePostRequest{IntegrationId: ada.integID, When: draft,
			Content: text(strings.Repeat("x", 25001))}), "text: must be at most 25000 characters"},
		{"26 parts", create(&postv1.CreatePostRequest{IntegrationId: ada.integID, When: draft, Content: threadOf(26)}), "split it into two threads"},
		{"101 parts", create(&postv1.CreatePostRequest{IntegrationId: ada.integID, When: draft, Content: threadOf(101)}), "thread.parts: must contain no more than 100"},
		{"integration_id not a ULID", create(&postv1.CreatePostRequest{IntegrationId: "nope", When: draft, Content: threadOf(2)}), "integration_id: must be a valid ULID"},
		{"no integration_id", create(&postv1.CreatePostRequest{When: draft, Content: threadOf(2)}), "integration_id is required"},
		{"unknown status", list(&postv1.ListPostsRequest{Statuses: []postv1.Status{99}}), "statuses[0]: value must be one of the defined enum values"},
		{"unspecified status", list(&postv1.ListPostsRequest{Statuses: []postv1.Status{postv1.Status_STATUS_DRAFT, 0}}), "statuses[1]: must be set"},
		{"17 statuses", list(&postv1.ListPostsRequest{Statuses: make([]postv1.Status, 17)}), "statuses: must contain no more than 16"},
		{"long page token", list(&postv1.ListPostsRequest{PageToken: strings.Repeat("t", 513)}), "page_token: must be at most 512 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if connect.CodeOf(tc.err) != connect.CodeInvalidArgument || !strings.Contains(tc.err.Error(), tc.mention) {
				t.Fatalf("got %v, want invalid_argument mentioning %q", tc.err, tc.mention)
			}
		})
	}
	// 25 parts of 280 characters each are fine.
	full := make([]string, 25)
	for i := range full {
		full[i] = strings.Repeat("y", 280)
	}
	if err := create(&postv1.CreatePostRequest{IntegrationId: ada.integID, When: draft, Content: thread(full...)}); err != nil {
		t.Fatalf("a full thread: %v", err)
	}
}
