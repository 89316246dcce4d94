// Package account implements betterplan.account.v1.AccountService: sign-up,
// sign-in, sessions and API tokens.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	accountv1 "github.com/betterplan/betterplan/gen/betterplan/account/v1"
	"github.com/betterplan/betterplan/gen/betterplan/account/v1/accountv1connect"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/password"
)

// The length rules of the requests (email, password, display name, token
// name, ids) are declared in proto/betterplan/account/v1/account.proto and
// enforced before these handlers run (internal/rpcvalidate); the handlers
// check what the rules leave to them: that required fields are set (blank
// after trimming counts as unset) and the address syntax.
const (
	// maxPasswordLen is the proto rule's bound on password bytes, repeated
	// here only to keep SignIn from spending argon2 on more if a request
	// ever got past validation (argon2's cost grows with its input).
	maxPasswordLen = 1024
	// maxDisplayName bounds a display name taken from the email address.
	maxDisplayName   = 100
	throttleWindow   = 15 * time.Minute
	maxEmailFailures = 5  // per email per window
	maxAddrFailures  = 20 // per client address per window
)

// PublicProcedures need no credentials.
var PublicProcedures = []string{
	accountv1connect.AccountServiceSignUpProcedure,
	accountv1connect.AccountServiceSignInProcedure,
}

// Service implements AccountService.
type Service struct {
	pool    *pgxpool.Pool
	q       *dbq.Queries
	now     clock.Clock
	cookies auth.Cookies
	log     *slog.Logger
}

// New returns the AccountService handler.
func New(pool *pgxpool.Pool, now clock.Clock, cookies auth.Cookies, log *slog.Logger) *Service {
	return &Service{pool: pool, q: dbq.New(pool), now: now, cookies: cookies, log: log}
}

var _ accountv1connect.AccountServiceHandler = (*Service)(nil)

// SignUp implements AccountService.SignUp.
func (s *Service) SignUp(ctx context.Context, req *connect.Request[accountv1.SignUpRequest]) (*connect.Response[accountv1.SignUpResponse], error) {
	email, err := normalizeEmail(req.Msg.GetEmail())
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Msg.GetDisplayName())
	if name == "" {
		local, _, _ := strings.Cut(email, "@")
		name = truncateRunes(local, maxDisplayName)
	}
	hash, err := password.Hash(req.Msg.GetPassword())
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	now := s.now.Now()
	var (
		user  dbq.User
		token string
		sess  dbq.Session
	)
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		user, err = q.UserCreate(ctx, dbq.UserCreateParams{ID: ulid.Make().String(), Email: email, PasswordHash: hash, DisplayName: name, Now: now})
		if err != nil {
			if errors.Is(db.Classify(err), db.ErrConflict) {
				return connect.NewError(connect.CodeAlreadyExists, errors.New("an account with this email already exists; sign in instead"))
			}
			return err
		}
		token, sess, err = s.startSession(ctx, q, req, user.ID, now)
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	resp := connect.NewResponse(&accountv1.SignUpResponse{
		User: userToProto(user), SessionToken: token, SessionExpireTime: timestamppb.New(sess.ExpiresAt),
	})
	resp.Header().Add("Set-Cookie", s.cookies.Session(token, sess.ExpiresAt, now).String())
	s.log.InfoContext(ctx, "user signed up", "user_id", user.ID)
	return resp, nil
}

// SignIn implements AccountService.SignIn.
func (s *Service) SignIn(ctx context.Context, req *connect.Request[accountv1.SignInRequest]) (*connect.Response[accountv1.SignInResponse], error) {
	email := strings.ToLower(strings.TrimSpace(req.Msg.GetEmail()))
	if email == "" {
		return nil, invalid("email", "is required")
	}
	if req.Msg.GetPassword() == "" {
		return nil, invalid("password", "is required")
	}
	now := s.now.Now()
	addr := clientAddr(req.Peer().Addr)
	if err := s.throttle(ctx, email, addr, now); err != nil {
		return nil, err
	}
	user, err := s.q.UserGetByEmail(ctx, email)
	ok := false
	switch {
	case err == nil:
		if len(req.Msg.GetPassword()) <= maxPasswordLen {
			ok, err = password.Check(req.Msg.GetPassword(), user.PasswordHash)
			if err != nil {
				return nil, s.toConnect(ctx, err)
			}
		}
	case errors.Is(db.Classify(err), db.ErrNotFound):
		password.CheckDummy(req.Msg.GetPassword())
	default:
		return nil, s.toConnect(ctx, err)
	}
	if !ok {
		if err := s.q.SignInFailureRecord(ctx, dbq.SignInFailureRecordParams{Email: email, ClientAddr: addr, Now: now}); err != nil {
			return nil, s.toConnect(ctx, err)
		}
		// Failures older than the window no longer count; without this the
		// table would only grow.
		if err := s.q.SignInFailurePrune(ctx, now.Add(-throttleWindow)); err != nil {
			s.log.WarnContext(ctx, "prune old sign-in failures", "err", err)
		}
		s.log.InfoContext(ctx, "sign-in failed", "client_addr", addr)
		// The same error for an unknown email and a wrong password: no account enumeration.
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("wrong email or password"))
	}
	var (
		token string
		sess  dbq.Session
	)
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.SignInFailureClearEmail(ctx, email); err != nil {
			return err
		}
		token, sess, err = s.startSession(ctx, q, req, user.ID, now)
		return err
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	resp := connect.NewResponse(&accountv1.SignInResponse{
		User: userToProto(user), SessionToken: token, SessionExpireTime: timestamppb.New(sess.ExpiresAt),
	})
	resp.Header().Add("Set-Cookie", s.cookies.Session(token, sess.ExpiresAt, now).String())
	s.log.InfoContext(ctx, "user signed in", "user_id", user.ID, "session_id", sess.ID)
	return resp, nil
}

// SignOut implements AccountService.SignOut.
func (s *Service) SignOut(ctx context.Context, _ *connect.Request[accountv1.SignOutRequest]) (*connect.Response[accountv1.SignOutResponse], error) {
	p, _ := auth.FromContext(ctx)
	if p.SessionID == "" {
		return nil, connect.NewError(connect.CodeFailedPrecondition,
			errors.New("this call used an API token, not a session; revoke API tokens with RevokeApiToken"))
	}
	if err := s.q.SessionRevoke(ctx, dbq.SessionRevokeParams{ID: p.SessionID, Now: s.now.Now()}); err != nil {
		return nil, s.toConnect(ctx, err)
	}
	resp := connect.NewResponse(&accountv1.SignOutResponse{})
	resp.Header().Add("Set-Cookie", s.cookies.Clear().String())
	return resp, nil
}

// GetMe implements AccountService.GetMe.
func (s *Service) GetMe(ctx context.Context, _ *connect.Request[accountv1.GetMeRequest]) (*connect.Response[accountv1.GetMeResponse], error) {
	user, err := s.q.UserGet(ctx, auth.UserID(ctx))
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	return connect.NewResponse(&accountv1.GetMeResponse{User: userToProto(user)}), nil
}

// CreateApiToken implements AccountService.CreateApiToken.
func (s *Service) CreateApiToken(ctx context.Context, req *connect.Request[accountv1.CreateApiTokenRequest]) (*connect.Response[accountv1.CreateApiTokenResponse], error) {
	name := strings.TrimSpace(req.Msg.GetName())
	if name == "" {
		return nil, invalid("name", "is required (say what the token is for)")
	}
	now := s.now.Now()
	var expires *time.Time
	if req.Msg.ExpireTime != nil {
		if err := req.Msg.GetExpireTime().CheckValid(); err != nil {
			return nil, invalid("expire_time", "is not a valid timestamp")
		}
		t := req.Msg.GetExpireTime().AsTime()
		if !t.After(now) {
			return nil, invalid("expire_time", "must be in the future")
		}
		expires = &t
	}
	token := auth.NewToken(auth.APITokenPrefix)
	row, err := s.q.ApiTokenCreate(ctx, dbq.ApiTokenCreateParams{
		ID: ulid.Make().String(), UserID: auth.UserID(ctx), Name: name,
		Prefix: auth.DisplayPrefix(token), TokenHash: auth.Hash(token), Now: now, ExpiresAt: expires,
	})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	s.log.InfoContext(ctx, "api token created", "user_id", row.UserID, "api_token_id", row.ID)
	return connect.NewResponse(&accountv1.CreateApiTokenResponse{ApiToken: apiTokenToProto(row), Token: token}), nil
}

// ListApiTokens implements AccountService.ListApiTokens.
func (s *Service) ListApiTokens(ctx context.Context, _ *connect.Request[accountv1.ListApiTokensRequest]) (*connect.Response[accountv1.ListApiTokensResponse], error) {
	rows, err := s.q.ApiTokenListLive(ctx, dbq.ApiTokenListLiveParams{UserID: auth.UserID(ctx), Now: s.now.Now()})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	out := make([]*accountv1.ApiToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiTokenToProto(r))
	}
	return connect.NewResponse(&accountv1.ListApiTokensResponse{ApiTokens: out}), nil
}

// RevokeApiToken implements AccountService.RevokeApiToken.
func (s *Service) RevokeApiToken(ctx context.Context, req *connect.Request[accountv1.RevokeApiTokenRequest]) (*connect.Response[accountv1.RevokeApiTokenResponse], error) {
	if req.Msg.GetId() == "" {
		return nil, invalid("id", "is required")
	}
	n, err := s.q.ApiTokenRevoke(ctx, dbq.ApiTokenRevokeParams{ID: req.Msg.GetId(), UserID: auth.UserID(ctx), Now: s.now.Now()})
	if err != nil {
		return nil, s.toConnect(ctx, err)
	}
	if n == 0 {
		// The id is a ULID (the proto rule), so quoting it is safe.
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("no live API token %q", req.Msg.GetId()))
	}
	return connect.NewResponse(&accountv1.RevokeApiTokenResponse{}), nil
}

// startSession creates a session row and returns its (only) plaintext token.
func (s *Service) startSession(ctx context.Context, q *dbq.Queries, req connect.AnyRequest, userID string, now time.Time) (string, dbq.Session, error) {
	token := auth.NewToken(auth.SessionPrefix)
	sess, err := q.SessionCreate(ctx, dbq.SessionCreateParams{
		ID: ulid.Make().String(), UserID: userID, TokenHash: auth.Hash(token), Now: now,
		ExpiresAt: now.Add(auth.SessionTTL), UserAgent: truncate(req.Header().Get("User-Agent"), 200),
		ClientAddr: clientAddr(req.Peer().Addr),
	})
	return token, sess, err
}

// throttle refuses a sign-in when this email or this client address failed
// too often in the last window, and says when to try again.
func (s *Service) throttle(ctx context.Context, email, addr string, now time.Time) error {
	st, err := s.q.SignInFailureStats(ctx, dbq.SignInFailureStatsParams{Email: email, ClientAddr: addr, Since: now.Add(-throttleWindow)})
	if err != nil {
		return s.toConnect(ctx, err)
	}
	var oldest time.Time
	switch {
	case st.EmailFailures >= maxEmailFailures:
		oldest = st.EmailOldest
	case st.AddrFailures >= maxAddrFailures:
		oldest = st.AddrOldest
	default:
		return nil
	}
	wait := max(oldest.Add(throttleWindow).Sub(now), time.Second).Round(time.Second)
	s.log.WarnContext(ctx, "sign-in throttled", "client_addr", addr, "retry_after", wait)
	cerr := connect.NewError(connect.CodeResourceExhausted,
		fmt.Errorf("too many failed sign-in attempts; try again in %s", wait))
	cerr.Meta().Set("Retry-After", fmt.Sprint(int(wait.Seconds())))
	return cerr
}

// normalizeEmail trims and lower-cases an address and checks its syntax.
// The error never quotes the input: it goes back to the client and into the
// access log, whatever its size.
func normalizeEmail(raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		return "", invalid("email", "is required")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") || len(email) > 254 {
		return "", invalid("email", "is not an email address like name@example.com")
	}
	return email, nil
}

// clientAddr strips the port from a peer address.
func clientAddr(peer string) string {
	if host, _, err := net.SplitHostPort(peer); err == nil {
		return host
	}
	return peer
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
