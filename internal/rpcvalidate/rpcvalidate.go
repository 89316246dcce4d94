// Package rpcvalidate checks RPC requests before a handler sees them: the
// buf.validate rules declared in proto/ (through connectrpc.com/validate's
// interceptor and protovalidate), and codecs that replace connect-go's
// defaults: JSON that refuses unknown fields and unknown enum names instead
// of silently dropping them, and binary protobuf whose errors say which
// field holds invalid UTF-8. Every refusal is invalid_argument, names the
// field, and quotes at most a short prefix of what the client sent.
package rpcvalidate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"connectrpc.com/validate"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// validator is shared by every handler (and every test server): building
// one compiles a CEL environment, and it caches each message's rules.
var validator = sync.OnceValues(func() (protovalidate.Validator, error) {
	// Fail fast: one violation per error keeps the message short, however
	// many items of a repeated field break a rule.
	return protovalidate.New(protovalidate.WithFailFast())
})

// NewInterceptor returns the interceptor that checks each request message
// against its buf.validate rules. A violation is invalid_argument, e.g.
// "validation error: id: must be a valid ULID", with the violation attached
// as a buf.validate.Violations error detail.
//
// It panics when protovalidate cannot build its CEL environment, which
// depends on nothing but the code (like a bad regexp.MustCompile).
func NewInterceptor() connect.Interceptor {
	v, err := validator()
	if err != nil {
		panic(fmt.Sprintf("rpcvalidate: build the request validator: %v", err))
	}
	return validate.NewInterceptor(validate.WithValidator(v))
}

// Codecs replace connect-go's codecs: JSON (under both names it registers)
// with the strict one, binary protobuf with one whose errors name fields.
func Codecs() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(binaryProto{}),
		connect.WithCodec(strictJSON{name: "json"}),
		connect.WithCodec(strictJSON{name: "json; charset=utf-8"}),
	}
}

// binaryProto is connect-go's binary codec, except that when decoding fails
// on a string that is not UTF-8 the error says which field it is in
// (protobuf-go's fast path only says "string field contains invalid UTF-8").
type binaryProto struct{}

func (binaryProto) Name() string { return "proto" }

func (binaryProto) Marshal(message any) ([]byte, error) {
	m, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", message)
	}
	return proto.Marshal(m)
}

func (binaryProto) MarshalAppend(dst []byte, message any) ([]byte, error) {
	m, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", message)
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, m)
}

func (binaryProto) Unmarshal(data []byte, message any) error {
	m, ok := message.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a proto.Message", message)
	}
	err := proto.Unmarshal(data, m)
	if err == nil {
		return nil
	}
	if path := invalidUTF8At(data, m.ProtoReflect().Descriptor()); path != "" {
		return fmt.Errorf("invalid protobuf: %s: not valid UTF-8", path)
	}
	return fmt.Errorf("invalid protobuf: %w", err) // protobuf-go's binary errors quote no input
}

// invalidUTF8At returns the path (e.g. "thread.parts") of the first string
// field in the wire-format message b that is not valid UTF-8, or "".
func invalidUTF8At(b []byte, md protoreflect.MessageDescriptor) string {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return ""
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		switch {
		case fd == nil:
		case fd.Kind() == protoreflect.StringKind && !utf8.Valid(v):
			return string(fd.Name())
		case fd.Kind() == protoreflect.MessageKind:
			if p := invalidUTF8At(v, fd.Message()); p != "" {
				return string(fd.Name()) + "." + p
			}
		}
	}
	return ""
}

// strictJSON is connect-go's protojson codec without DiscardUnknown, so an
// unknown field or enum name is an error (as in Google's own JSON APIs)
// rather than a request that silently means something else, e.g. a ListPosts
// filter on "STATUS_BOGUS" that lists everything.
type strictJSON struct{ name string }

func (c strictJSON) Name() string { return c.name }

func (c strictJSON) Marshal(message any) ([]byte, error) {
	m, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", message)
	}
	return protojson.Marshal(m)
}

func (c strictJSON) MarshalAppend(dst []byte, message any) ([]byte, error) {
	m, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", message)
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, m)
}

func (c strictJSON) Unmarshal(data []byte, message any) error {
	m, ok := message.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a proto.Message", message)
	}
	if len(data) == 0 {
		return errors.New("zero-length payload is not a valid JSON object")
	}
	if err := protojson.Unmarshal(data, m); err != nil {
		return errors.New(describe(data, err))
	}
	return nil
}

// maxQuote bounds how much of the client's input an error message repeats.
const maxQuote = 40

// posPrefix is how protojson starts an error: "proto: (line 1:13): " or
// "proto: syntax error (line 1:13): ". The space after "proto:" is sometimes
// U+00A0, on purpose.
var posPrefix = regexp.MustCompile(`^proto:[\s\x{00a0}]*(syntax error )?\(line (\d+):(\d+)\):\s*`)

// describe turns a protojson error into a short message that names the
// field. protojson quotes the offending token whole (an unknown field's
// name, an unknown enum name, a number), so quoted and long parts are cut;
// when the message does not name a field (e.g. invalid UTF-8 in a string),
// the JSON path of the token at the error's position is added.
func describe(data []byte, err error) string {
	msg := err.Error()
	where := ""
	if m := posPrefix.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if m[1] != "" {
			msg = "syntax error: " + msg
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		if path := pathAt(data, offsetOf(data, line, col)); path != "" {
			where = " at " + path
		}
		where += fmt.Sprintf(" (line %d:%d)", line, col)
	} else {
		msg = strings.TrimLeft(strings.TrimPrefix(msg, "proto:"), " \u00a0")
	}
	return "invalid JSON" + where + ": " + shorten(msg)
}

// quoted matches a double-quoted JSON string (as protojson echoes tokens).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// shorten cuts every quoted string in msg to maxQuote bytes and msg itself to
// a few times that, on rune boundaries, and makes it valid UTF-8.
func shorten(msg string) string {
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) <= maxQuote+2 {
			return q
		}
		return `"` + cut(q[1:], maxQuote) + `"`
	})
	return cut(msg, 3*maxQuote)
}

// cut is s cut to at most n bytes, with "…" when it was cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return prefix(s, n) + "…"
}

// prefix is s cut to at most n bytes without splitting a rune.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// offsetOf converts protojson's 1-based line and column (counted in runes,
// an invalid byte counting as one) to a byte offset in data.
func offsetOf(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(data); c++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// pathAt returns the JSON path (e.g. "thread.parts[1]") of the token that
// covers byte offset pos of data, as far as data can be tokenized, or "".
// Keys are shown as the client wrote them, cut to maxQuote bytes.
func pathAt(data []byte, pos int) string {
	type frame struct {
		key     string // object: the current key
		index   int    // array: the current index
		inArray bool
		wantKey bool // object: the next string is a key
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // any length, where float64 would fail
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.inArray:
				fmt.Fprintf(&b, "[%d]", f.index)
			case f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(cut(strings.ToValidUTF8(f.key, "\uFFFD"), maxQuote))
			}
		}
		return cut(b.String(), 3*maxQuote)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		// A value in an array moves to the next index (the first value is 0).
		if top != nil && top.inArray && tok != json.Delim(']') {
			top.index++
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && !stack[len(stack)-1].inArray {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		isKey := top != nil && !top.inArray && top.wantKey
		if isKey {
			top.key, _ = tok.(string)
			top.wantKey = false
		}
		if dec.InputOffset() > int64(pos) {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{inArray: true, index: -1})
		default:
			if !isKey && top != nil && !top.inArray {
				top.wantKey = true
			}
		}
	}
}
