package rpcvalidate

import (
	"encoding/base64"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	validatepb "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	// The services whose rules are checked below.
	_ "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	_ "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	postv1 "github.com/betterplan/betterplan/gen/betterplan/post/v1"
)

// requestTypes are the request messages of every BetterPlan service.
func requestTypes(t *testing.T) []protoreflect.MessageDescriptor {
	t.Helper()
	var out []protoreflect.MessageDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(f.Package()), "betterplan.") {
			return true
		}
		for i := range f.Services().Len() {
			methods := f.Services().Get(i).Methods()
			for j := range methods.Len() {
				out = append(out, methods.Get(j).Input())
			}
		}
		return true
	})
	if len(out) < 20 {
		t.Fatalf("found only %d request types", len(out))
	}
	return out
}

// TestRulesCompile validates an empty message of every request type: a rule
// with a CEL typo or a wrong type shows up as a compilation error here
// (the interceptor would report it as invalid_argument on every call).
func TestRulesCompile(t *testing.T) {
	v, err := validator()
	if err != nil {
		t.Fatal(err)
	}
	for _, md := range requestTypes(t) {
		err := v.Validate(dynamicpb.NewMessage(md))
		var verr *protovalidate.ValidationError
		if err != nil && !errors.As(err, &verr) {
			t.Errorf("%s: %v", md.FullName(), err)
		}
	}
}

// TestValidateProtoMatchesGoPackage checks that the buf/validate/validate.proto
// buf compiled (embedded in the generated TypeScript) is the one the Go
// package protovalidate-go uses was generated from. They differ when
// buf.build/go/protovalidate is upgraded without the matching
// github.com/bufbuild/protovalidate in tools/go.mod, or the other way round.
func TestValidateProtoMatchesGoPackage(t *testing.T) {
	src, err := os.ReadFile("../../web/src/gen/buf/validate/validate_pb.ts")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`fileDesc\("([A-Za-z0-9+/]+)"`).FindSubmatch(src)
	if m == nil {
		t.Fatal("no fileDesc(...) in validate_pb.ts")
	}
	raw, err := base64.RawStdEncoding.DecodeString(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	var ts descriptorpb.FileDescriptorProto
	if err := proto.Unmarshal(raw, &ts); err != nil {
		t.Fatal(err)
	}
	goFile := protodesc.ToFileDescriptorProto(validatepb.File_buf_validate_validate_proto)
	// protoc-gen-es leaves out what it can recompute (see embedFileDesc in
	// @bufbuild/protobuf): the imports and default JSON names.
	goFile.Dependency = nil
	for _, msg := range goFile.GetMessageType() {
		stripJSONNames(msg)
	}
	if !proto.Equal(&ts, goFile) {
		t.Fatal("web/src/gen/buf/validate/validate_pb.ts was generated from another validate.proto than " +
			"buf.build/gen/go/bufbuild/protovalidate's: pin github.com/bufbuild/protovalidate in tools/go.mod " +
			"to the release that matches buf.build/go/protovalidate in go.mod, then make generate")
	}
}

func stripJSONNames(m *descriptorpb.DescriptorProto) {
	for _, f := range m.GetField() {
		if f.GetJsonName() == camel(f.GetName()) {
			f.JsonName = nil
		}
	}
	for _, n := range m.GetNestedType() {
		stripJSONNames(n)
	}
}

// camel is protoc's default JSON name.
func camel(name string) string {
	var b strings.Builder
	up := false
	for _, r := range name {
		switch {
		case r == '_':
			up = true
		case up && 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
			up = false
		default:
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

func TestStrictJSON(t *testing.T) {
	long := strings.Repeat("y", 300<<10)
	cases := []struct {
		name, body string
		want       []string // all in the message
	}{
		{"unknown enum name", `{"statuses": ["STATUS_BOGUS"]}`, []string{"statuses", "STATUS_BOGUS"}},
		{"unknown enum name, long", `{"statuses": ["` + long + `"]}`, []string{"statuses", "yyyy…"}},
		{"unknown field", `{"integrationId": "x", "bogusField": 1}`, []string{"bogusField"}},
		{"unknown field, long name", `{"` + long + `": 1}`, []string{"unknown field", "yyyy…"}},
		{"invalid UTF-8", "{\"integrationId\": \"a\xffb\"}", []string{"integrationId", "UTF-8"}},
		{"invalid UTF-8 later on", "{\"pageSize\": 3,\n \"page_token\": \"\xff\"}", []string{"page_token", "line 2"}},
		{"wrong type", `{"pageSize": "` + long + `"}`, []string{"pageSize"}},
		{"huge number", `{"pageSize": 1` + strings.Repeat("0", 300<<10) + `}`, []string{"pageSize"}},
		{"not JSON", `{"statuses": [`, []string{"invalid JSON"}},
		{"empty", ``, []string{"zero-length"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := strictJSON{name: "json"}.Unmarshal([]byte(tc.body), &postv1.ListPostsRequest{})
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			t.Log(msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if len(msg) > 250 {
				t.Errorf("message is %d bytes: %.300q", len(msg), msg)
			}
		})
	}
	// Known names, numbers and proto field names still work.
	var req postv1.ListPostsRequest
	if err := (strictJSON{name: "json"}).Unmarshal([]byte(`{"statuses": ["STATUS_DRAFT", 2], "page_size": 3}`), &req); err != nil {
		t.Fatal(err)
	}
	if len(req.GetStatuses()) != 2 || req.GetPageSize() != 3 {
		t.Fatalf("decoded %v", &req)
	}
}

func TestPathAt(t *testing.T) {
	doc := `{"a": 1, "b": {"c": [10, {"d": "x"}, 30]}, "e": "y"}`
	for _, tc := range []struct{ at, want string }{
		{`1`, "a"},
		{`10`, "b.c[0]"},
		{`"x"`, "b.c[1].d"},
		{`30`, "b.c[2]"},
		{`"y"`, "e"},
		{`"e"`, "e"},
	} {
		pos := strings.Index(doc, tc.at)
		if got := pathAt([]byte(doc), pos); got != tc.want {
			t.Errorf("pathAt(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
}
