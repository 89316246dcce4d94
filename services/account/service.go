// Package account implements betterplan.account.v1.AccountService: sign-up,
// sign-in, sessions and API tokens.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clientaddr"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/emailaddr"
	"github.com/betterplan/betterplan/internal/password"
	"github.com/betterplan/betterplan/internal/ratelimit"
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
	maxDisplayName = 100
	// Sign-in attempts (failures, and sign-ins whose password is being
	// checked) allowed per window, per email and per client address.
	throttleWindow   = 15 * time.Minute
	maxEmailAttempts = 5
	maxAddrAttempts  = 20
	// forgetTimeout bounds taking back an attempt whose request is over.
	forgetTimeout = 5 * time.Second
)

// PublicProcedures need no credentials.
var PublicProcedures = []string{
	accountv1connect.AccountServiceSignUpProcedure,
	accountv1connect.AccountServiceSignInProcedure,
}

// Deps is what the service needs.
type Deps struct {
	Pool    *pgxpool.Pool
	Now     clock.Clock
	Cookies auth.Cookies
	Log     *slog.Logger
	// Passwords runs argon2, a bounded number of times at once.
	Passwords *password.Hasher
	// SignUps limits sign-ups per client address.
	SignUps *ratelimit.Limit
	// Revoked, when set, is told after a session or API token is revoked
	// (the api's credentials cache forgets at once).
	Revoked func()
}

// Service implements AccountService.
type Service struct {
	pool      *pgxpool.Pool
	q         *dbq.Queries
	now       clock.Clock
	cookies   auth.Cookies
	log       *slog.Logger
	passwords *password.Hasher
	signUps   *ratelimit.Limit
	revoked   func()
}

// New returns the AccountService handler.
func New(d Deps) *Service {
	return &Service{
		pool: d.Pool, q: dbq.New(d.Pool), now: d.Now, cookies: d.Cookies, log: d.Log,
		passwords: d.Passwords, signUps: d.SignUps, revoked: d.Revoked,
	}
}

// forgetCredentials tells Deps.Revoked that a credential was revoked.
func (s *Service) forgetCredentials() {
	if s.revoked != nil {
		s.revoked()
	}
}

var _ accountv1connect.AccountServiceHandler = (*Service)(nil)

// SignUp implements AccountService.SignUp.
func (s *Service) SignUp(ctx context.Context, req *connect.Request[accountv1.SignUpRequest]) (*connect.Response[accountv1.SignUpResponse], error) {
	email, err := emailaddr.Normalize("email", req.Msg.GetEmail())
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Msg.GetDisplayName())
	if name == "" {
		local, _, _ := strings.Cut(email, "@")
		name = truncateRunes(local, maxDisplayName)
	}
	// Before argon2: a script creating accounts is stopped before it costs much.
	if err := s.signUps.Enforce(ctx, clientaddr.From(ctx)); err != nil {
		return nil, err
	}
	hash, err := s.passwords.Hash(ctx, req.Msg.GetPassword())
	if err != nil {
		return nil, err
	}
	now := s.now.Now()
	var (
		user  dbq.User
		ws    dbq.Workspace
		token string
		sess  dbq.Session
	)
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		user, err = q.UserCreate(ctx, dbq.UserCreateParams{ID: ulid.Make().String(), Email: email, PasswordHash: hash, DisplayName: name, Now: now})
		if err != nil {
			if errors.Is(db.Classify(err), db.ErrConflict) {
				return errEmailTaken
			}
			return err
		}
		// Everyone has a personal workspace, owned by them.
		ws, err = q.WorkspaceCreate(ctx, dbq.WorkspaceCreateParams{ID: ulid.Make().String(), Name: name, PersonalOf: &user.ID, Now: now})
		if err != nil {
			return err
		}
		if err := q.MembershipCreate(ctx, dbq.MembershipCreateParams{WorkspaceID: ws.ID, UserID: user.ID, Role: dbq.WorkspaceRoleOwner, Now: now}); err != nil {
			return err
		}
		token, sess, err = s.startSession(ctx, q, req, user.ID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	resp := connect.NewResponse(&accountv1.SignUpResponse{
		User: userToProto(user), SessionToken: token, SessionExpireTime: timestamppb.New(sess.ExpiresAt),
		Workspace: access.Membership(ws, dbq.WorkspaceRoleOwner),
	})
	resp.Header().Add("Set-Cookie", s.cookies.Session(token, sess.ExpiresAt, now).String())
	s.log.InfoContext(ctx, "user signed up", "user_id", user.ID)
	return resp, nil
}

// SignIn implements AccountService.SignIn.
func (s *Service) SignIn(ctx context.Context, req *connect.Request[accountv1.SignInRequest]) (*connect.Response[accountv1.SignInResponse], error) {
	email := strings.ToLower(strings.TrimSpace(req.Msg.GetEmail()))
	if email == "" {
		return nil, apierr.Invalid("email", "is required")
	}
	if req.Msg.GetPassword() == "" {
		return nil, apierr.Invalid("password", "is required")
	}
	addr := clientaddr.From(ctx)
	attempt, err := s.reserveSignIn(ctx, email, addr)
	if err != nil {
		return nil, err
	}
	user, ok, err := s.checkPassword(ctx, email, req.Msg.GetPassword())
	if err != nil {
		// argon2 did not run (the request ended while waiting for its turn,
		// or the database failed), so the attempt told nobody anything.
		s.forget(ctx, attempt)
		return nil, err
	}
	if !ok {
		// The attempt stays, as the failure. Failures older than the window
		// no longer count; without this the table would only grow.
		if err := s.q.SignInFailurePrune(ctx, dbq.SignInFailurePruneParams{Now: s.now.DB(), WindowSeconds: throttleWindow.Seconds()}); err != nil {
			s.log.WarnContext(ctx, "prune old sign-in failures", "err", err)
		}
		s.log.InfoContext(ctx, "sign-in failed", "client_addr", addr)
		// The same error for an unknown email and a wrong password: no account enumeration.
		return nil, errWrongCredentials
	}
	now := s.now.Now()
	var (
		token string
		sess  dbq.Session
	)
	err = db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		// A success is no failure, and forgives the email's earlier ones:
		// this deletes its own attempt with them.
		if err := q.SignInLockEmail(ctx, email); err != nil {
			return err
		}
		if err := q.SignInFailureClearEmail(ctx, email); err != nil {
			return err
		}
		token, sess, err = s.startSession(ctx, q, req, user.ID, now)
		return err
	})
	if err != nil {
		return nil, err
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
		return nil, errNotASession
	}
	if err := s.q.SessionRevoke(ctx, dbq.SessionRevokeParams{ID: p.SessionID, Now: s.now.Now()}); err != nil {
		return nil, err
	}
	s.forgetCredentials()
	resp := connect.NewResponse(&accountv1.SignOutResponse{})
	resp.Header().Add("Set-Cookie", s.cookies.Clear().String())
	return resp, nil
}

// GetMe implements AccountService.GetMe.
func (s *Service) GetMe(ctx context.Context, _ *connect.Request[accountv1.GetMeRequest]) (*connect.Response[accountv1.GetMeResponse], error) {
	user, err := s.q.UserGet(ctx, auth.UserID(ctx))
	if err != nil {
		return nil, err
	}
	rows, err := s.q.WorkspaceListForUser(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	out := &accountv1.GetMeResponse{User: userToProto(user)}
	for _, r := range rows {
		out.Workspaces = append(out.Workspaces, access.Membership(r.Workspace, r.Role))
	}
	return connect.NewResponse(out), nil
}

// CreateApiToken implements AccountService.CreateApiToken.
func (s *Service) CreateApiToken(ctx context.Context, req *connect.Request[accountv1.CreateApiTokenRequest]) (*connect.Response[accountv1.CreateApiTokenResponse], error) {
	name := strings.TrimSpace(req.Msg.GetName())
	if name == "" {
		return nil, apierr.Invalid("name", "is required (say what the token is for)")
	}
	now := s.now.Now()
	var expires *time.Time
	if req.Msg.ExpireTime != nil {
		if err := req.Msg.GetExpireTime().CheckValid(); err != nil {
			return nil, apierr.Invalid("expire_time", "is not a valid timestamp")
		}
		t := req.Msg.GetExpireTime().AsTime()
		if !t.After(now) {
			return nil, apierr.Invalid("expire_time", "must be in the future")
		}
		expires = &t
	}
	token := auth.NewToken(auth.APITokenPrefix)
	row, err := s.q.ApiTokenCreate(ctx, dbq.ApiTokenCreateParams{
		ID: ulid.Make().String(), UserID: auth.UserID(ctx), Name: name,
		Prefix: auth.DisplayPrefix(token), TokenHash: auth.Hash(token), Now: now, ExpiresAt: expires,
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "api token created", "user_id", row.UserID, "api_token_id", row.ID)
	return connect.NewResponse(&accountv1.CreateApiTokenResponse{ApiToken: apiTokenToProto(row), Token: token}), nil
}

// ListApiTokens implements AccountService.ListApiTokens.
func (s *Service) ListApiTokens(ctx context.Context, _ *connect.Request[accountv1.ListApiTokensRequest]) (*connect.Response[accountv1.ListApiTokensResponse], error) {
	rows, err := s.q.ApiTokenListLive(ctx, dbq.ApiTokenListLiveParams{UserID: auth.UserID(ctx), Now: s.now.Now()})
	if err != nil {
		return nil, err
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
		return nil, apierr.Invalid("id", "is required")
	}
	n, err := s.q.ApiTokenRevoke(ctx, dbq.ApiTokenRevokeParams{ID: req.Msg.GetId(), UserID: auth.UserID(ctx), Now: s.now.Now()})
	if err != nil {
		return nil, err
	}
	s.forgetCredentials()
	if n == 0 {
		// The id is a ULID (the proto rule), so quoting it is safe.
		return nil, apierr.Newf(connect.CodeNotFound, "no live API token %q", req.Msg.GetId())
	}
	return connect.NewResponse(&accountv1.RevokeApiTokenResponse{}), nil
}

// startSession creates a session row and returns its (only) plaintext token.
func (s *Service) startSession(ctx context.Context, q *dbq.Queries, req connect.AnyRequest, userID string, now time.Time) (string, dbq.Session, error) {
	token := auth.NewToken(auth.SessionPrefix)
	sess, err := q.SessionCreate(ctx, dbq.SessionCreateParams{
		ID: ulid.Make().String(), UserID: userID, TokenHash: auth.Hash(token), Now: now,
		ExpiresAt: now.Add(auth.SessionTTL), UserAgent: truncate(req.Header().Get("User-Agent"), 200),
		ClientAddr: clientaddr.From(ctx),
	})
	return token, sess, err
}

// reserveSignIn records a sign-in attempt before its password is checked,
// unless the email or the client address already has its limit of attempts
// in the window, and returns the attempt's id. The count and the insert are
// one decision: the transaction holds advisory locks on the email and then
// the address (that order everywhere, so two attempts cannot deadlock), so
// concurrent attempts cannot all see a count under the limit. The window is
// the database's clock, the same for every replica.
func (s *Service) reserveSignIn(ctx context.Context, email, addr string) (int64, error) {
	var id int64
	err := db.InTx(ctx, s.pool, func(q *dbq.Queries) error {
		if err := q.SignInLockEmail(ctx, email); err != nil {
			return err
		}
		if err := q.SignInLockAddr(ctx, addr); err != nil {
			return err
		}
		st, err := q.SignInAttemptStats(ctx, dbq.SignInAttemptStatsParams{
			Email: email, ClientAddr: addr, Now: s.now.DB(), WindowSeconds: throttleWindow.Seconds(),
		})
		if err != nil {
			return err
		}
		// Wait until every exhausted count has lost its oldest attempt.
		var wait time.Duration
		throttled := false
		if st.EmailAttempts >= maxEmailAttempts {
			throttled, wait = true, st.EmailOldest.Add(throttleWindow).Sub(st.Now)
		}
		if st.AddrAttempts >= maxAddrAttempts {
			throttled, wait = true, max(wait, st.AddrOldest.Add(throttleWindow).Sub(st.Now))
		}
		if throttled {
			wait = max((wait + time.Second - 1).Truncate(time.Second), time.Second) // whole seconds, rounded up
			s.log.WarnContext(ctx, "sign-in throttled", "client_addr", addr, "retry_after", wait)
			return apierr.Throttled(fmt.Sprintf("too many failed sign-in attempts; try again in %s", wait), wait)
		}
		id, err = q.SignInAttemptRecord(ctx, dbq.SignInAttemptRecordParams{Email: email, ClientAddr: addr, Now: s.now.DB()})
		return err
	})
	return id, err
}

// checkPassword looks the email up and checks the password, spending the
// same argon2 run on an unknown email. An error means argon2 did not run.
func (s *Service) checkPassword(ctx context.Context, email, pw string) (dbq.User, bool, error) {
	user, err := s.q.UserGetByEmail(ctx, email)
	switch {
	case err == nil:
		if len(pw) > maxPasswordLen {
			return user, false, nil
		}
		ok, err := s.passwords.Check(ctx, pw, user.PasswordHash)
		return user, ok, err
	case errors.Is(db.Classify(err), db.ErrNotFound):
		return user, false, s.passwords.CheckDummy(ctx, pw)
	default:
		return user, false, err
	}
}

// forget takes back an attempt whose password was never checked, even when
// the request itself is already over.
func (s *Service) forget(ctx context.Context, attempt int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), forgetTimeout)
	defer cancel()
	if err := s.q.SignInAttemptDelete(ctx, attempt); err != nil {
		s.log.WarnContext(ctx, "take back an unchecked sign-in attempt; it counts as a failure until the window ends", "err", err)
	}
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
