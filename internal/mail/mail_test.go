package mail_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/mail"
	"github.com/betterplan/betterplan/internal/mail/mailtest"
)

func TestParseConfig(t *testing.T) {
	if c, err := mail.ParseConfig("", ""); err != nil || c.Enabled() {
		t.Fatalf("empty SMTP_URL: %v %v, want mail off", c, err)
	}
	ok := []string{"smtp://user:pw@smtp.example.com:587", "smtp://localhost:1025?tls=none", "smtps://u:p@mail.example.com:465", "smtp://relay"}
	for _, u := range ok {
		if c, err := mail.ParseConfig(u, "BetterPlan <noreply@example.com>"); err != nil || !c.Enabled() {
			t.Errorf("%s: %v", u, err)
		}
	}
	bad := map[string]string{ // url → what the error says
		"http://smtp.example.com":           "smtp:// or smtps://",
		"smtp://user:hunter2@:25":           "no host",
		"smtp://user:hunter2@host:99999":    "bad port",
		"smtp://user:hunter2@host?tls=yes":  "tls may only be none",
		"smtp://user:hunter2@host%zz:25/%%": "not a URL",
	}
	for u, want := range bad {
		_, err := mail.ParseConfig(u, "noreply@example.com")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v, want an error saying %q without the password", u, err, want)
		}
	}
	if _, err := mail.ParseConfig("smtp://host", ""); err == nil || !strings.Contains(err.Error(), "SMTP_FROM must be set") {
		t.Errorf("missing SMTP_FROM: %v", err)
	}
	if _, err := mail.ParseConfig("smtp://host", "not an address"); err == nil || !strings.Contains(err.Error(), "SMTP_FROM=") {
		t.Errorf("bad SMTP_FROM: %v", err)
	}
	c, _ := mail.ParseConfig("smtp://user:hunter2@host:587", "a@example.com")
	if strings.Contains(c.Redacted(), "hunter2") || !strings.Contains(c.Redacted(), "user:xxxxx@host:587") {
		t.Errorf("Redacted() = %q", c.Redacted())
	}
}

func sender(t *testing.T, rawURL string) *mail.Sender {
	t.Helper()
	c, err := mail.ParseConfig(rawURL, "BetterPlan <noreply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewSender(c, slog.New(slog.DiscardHandler))
}

// TestInvitationEmail: the invitation reaches a real SMTP server, with
// the link, from SMTP_FROM, after AUTH with SMTP_URL's credentials; a
// hostile workspace name adds no header.
func TestInvitationEmail(t *testing.T) {
	srv := mailtest.Start(t, "mailer", "s3cret")
	s := sender(t, "smtp://mailer:s3cret@"+srv.Addr+"?tls=none")
	link := "https://app.example.com/app/join?token=bpi_abc"
	expires := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	err := s.SendInvitation(context.Background(), "grace@example.com", "Launch team\r\nBcc: evil@example.com", "Ada <b>Lovelace</b>", "writer", link, expires)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	m := got[0]
	if m.User != "mailer" || m.Pass != "s3cret" || m.From != "noreply@example.com" || len(m.To) != 1 || m.To[0] != "grace@example.com" {
		t.Fatalf("envelope: %+v", m)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(m.Data, "\r\n\r\n")
	if msg.Header.Get("Bcc") != "" || strings.Contains(strings.ToLower(head), "\nbcc:") {
		t.Fatalf("a workspace name added a header:\n%s", m.Data)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Ada <b>Lovelace</b> invited you to Launch team Bcc: evil@example.com on BetterPlan" {
		t.Fatalf("subject %q", subject)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "grace@example.com") {
		t.Fatalf("To: %q", to)
	}
	body := bodyText(t, msg)
	for _, want := range []string{link, "as writer", "Thu 10 Dec 2026 09:00 UTC", "If you did not expect this", "Ada &lt;b&gt;Lovelace&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the message lacks %q:\n%s", want, body)
		}
	}
}

// bodyText is every text part of a message, decoded, one after another.
func bodyText(t *testing.T, msg *netmail.Message) string {
	t.Helper()
	media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(media, "multipart/") {
		return decodePart(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	var out strings.Builder
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p))
	}
	return out.String()
}

func decodePart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSendFailsWithoutLeakingThePassword(t *testing.T) {
	// A wrong password: the server refuses.
	srv := mailtest.Start(t, "mailer", "right")
	err := sender(t, "smtp://mailer:wrong-pw@"+srv.Addr+"?tls=none").Send(context.Background(), mail.Message{To: "a@example.com", Subject: "x", Text: "x"})
	if err == nil || strings.Contains(err.Error(), "wrong-pw") || !strings.Contains(err.Error(), "xxxxx") {
		t.Fatalf("wrong password: %v", err)
	}
	// Nobody listening: an error soon, not a hang.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err = sender(t, "smtp://mailer:hunter2@"+addr+"?tls=none").Send(ctx, mail.Message{To: "a@example.com", Subject: "x", Text: "x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || time.Since(start) > 3*time.Second {
		t.Fatalf("no server: %v after %s", err, time.Since(start))
	}
	if mail.NewSender(mail.Config{}, nil) != nil {
		t.Fatal("a sender without SMTP_URL")
	}
}
