// Package mail sends BetterPlan's emails (workspace invitations) over SMTP,
// configured by SMTP_URL and SMTP_FROM. Without SMTP_URL there is no
// sender: callers show and log the links instead.
package mail

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// sendTimeout bounds a send whose context has no deadline.
const sendTimeout = 20 * time.Second

// Config is where mail goes and who it is from.
type Config struct {
	URL  *url.URL // nil: mail is off
	From string
}

// ParseConfig reads SMTP_URL ("" turns mail off) and SMTP_FROM:
//
//	smtp://user:pass@host:587    STARTTLS when the server offers it; AUTH when a user is given
//	smtp://host:25?tls=none      never TLS (a local relay)
//	smtps://user:pass@host:465   TLS from the first byte
//
// Errors never contain the password.
func ParseConfig(smtpURL, from string) (Config, error) {
	smtpURL, from = strings.TrimSpace(smtpURL), strings.TrimSpace(from)
	if smtpURL == "" {
		return Config{}, nil
	}
	u, err := url.Parse(smtpURL)
	if err != nil {
		return Config{}, errors.New("SMTP_URL is not a URL like smtp://user:password@smtp.example.com:587")
	}
	c := Config{URL: u, From: from}
	switch {
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		return Config{}, fmt.Errorf("SMTP_URL=%q must start with smtp:// or smtps://", c.Redacted())
	case u.Hostname() == "":
		return Config{}, fmt.Errorf("SMTP_URL=%q has no host", c.Redacted())
	case u.Port() != "":
		if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
			return Config{}, fmt.Errorf("SMTP_URL=%q has a bad port", c.Redacted())
		}
	}
	if tls := u.Query().Get("tls"); tls != "" && tls != "none" {
		return Config{}, fmt.Errorf("SMTP_URL=%q: tls may only be none", c.Redacted())
	}
	if from == "" {
		return Config{}, errors.New("SMTP_FROM must be set with SMTP_URL: the sender, like BetterPlan <noreply@example.com>")
	}
	if _, err := netmail.ParseAddress(from); err != nil {
		return Config{}, fmt.Errorf("SMTP_FROM=%q is not an address like BetterPlan <noreply@example.com>", from)
	}
	return c, nil
}

// Enabled reports whether mail is configured.
func (c Config) Enabled() bool { return c.URL != nil }

// Redacted is SMTP_URL with the password masked, for logs and errors.
func (c Config) Redacted() string {
	if c.URL == nil {
		return ""
	}
	return c.URL.Redacted()
}

// Sender sends mail as configured.
type Sender struct {
	cfg Config
	log *slog.Logger
}

// NewSender returns a sender; nil when c is not enabled.
func NewSender(c Config, log *slog.Logger) *Sender {
	if !c.Enabled() {
		return nil
	}
	return &Sender{cfg: c, log: log}
}

// Message is one email.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string // optional alternative
}

// Send delivers m. The error names the server, never its password.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sendTimeout)
		defer cancel()
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("SMTP_FROM: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	client, err := gomail.NewClient(s.cfg.URL.Hostname(), s.options()...)
	if err != nil {
		return fmt.Errorf("SMTP client for %s: %w", s.cfg.Redacted(), err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail through %s: %s", s.cfg.Redacted(), strings.ReplaceAll(err.Error(), s.password(), "xxxxx"))
	}
	return nil
}

func (s *Sender) password() string {
	p, _ := s.cfg.URL.User.Password()
	if p == "" {
		return "\x00" // nothing to mask
	}
	return p
}

func (s *Sender) options() []gomail.Option {
	u := s.cfg.URL
	port := 587
	opts := []gomail.Option{gomail.WithTLSPortPolicy(gomail.TLSOpportunistic)}
	switch {
	case u.Scheme == "smtps":
		port = 465
		opts = []gomail.Option{gomail.WithSSL()}
	case u.Query().Get("tls") == "none":
		port = 25
		opts = []gomail.Option{gomail.WithTLSPolicy(gomail.NoTLS)}
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	opts = append(opts, gomail.WithPort(port), gomail.WithTimeout(sendTimeout))
	if name := u.User.Username(); name != "" {
		pass, _ := u.User.Password()
		// The strongest mechanism the server offers; over a connection
		// the URL says is plain (tls=none), PLAIN, which discovery refuses there.
		mech := gomail.SMTPAuthAutoDiscover
		if u.Query().Get("tls") == "none" {
			mech = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(name), gomail.WithPassword(pass))
	}
	return opts
}

var invitationHTML = template.Must(template.New("invitation").Parse(`<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5">
<p>{{.Inviter}} invited you to <strong>{{.Workspace}}</strong> on BetterPlan as <strong>{{.Role}}</strong>.</p>
<p><a href="{{.Link}}">Join {{.Workspace}}</a></p>
<p>The link works once, until {{.Expires}}. Sign in (or sign up) with this email address to accept.</p>
<p style="color:#555">If you did not expect this, ignore this email.</p>
</body></html>
`))

// SendInvitation emails an invitation link.
func (s *Sender) SendInvitation(ctx context.Context, to, workspaceName, inviterName, role, link string, expires time.Time) error {
	return s.Send(ctx, InvitationMessage(to, workspaceName, inviterName, role, link, expires))
}

// InvitationMessage is the email of an invitation: who invites whom to
// which workspace with which role, the link, and until when it works.
func InvitationMessage(to, workspaceName, inviterName, role, link string, expires time.Time) Message {
	// Names come from people: one line each, so nothing reads as a header.
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	workspaceName, inviterName = oneLine(workspaceName), oneLine(inviterName)
	if inviterName == "" {
		inviterName = "Someone"
	}
	until := expires.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	text := fmt.Sprintf("%s invited you to %s on BetterPlan as %s.\n\nJoin: %s\n\n"+
		"The link works once, until %s. Sign in (or sign up) with this email address to accept.\n\n"+
		"If you did not expect this, ignore this email.\n", inviterName, workspaceName, role, link, until)
	var html strings.Builder
	_ = invitationHTML.Execute(&html, map[string]string{"Inviter": inviterName, "Workspace": workspaceName, "Role": role, "Link": link, "Expires": until})
	return Message{
		To:      to,
		Subject: fmt.Sprintf("%s invited you to %s on BetterPlan", inviterName, workspaceName),
		Text:    text,
		HTML:    html.String(),
	}
}
