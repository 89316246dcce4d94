// Package integration implements betterplan.integration.v1.IntegrationService
// and the browser's OAuth callback: connecting X accounts with OAuth 1.0a and
// keeping their credentials encrypted at rest.
package integration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/betterplan/betterplan/db"
	"github.com/betterplan/betterplan/db/dbq"
	integrationv1 "github.com/betterplan/betterplan/gen/betterplan/integration/v1"
	"github.com/betterplan/betterplan/gen/betterplan/integration/v1/integrationv1connect"
	"github.com/betterplan/betterplan/internal/access"
	"github.com/betterplan/betterplan/internal/apierr"
	"github.com/betterplan/betterplan/internal/auth"
	"github.com/betterplan/betterplan/internal/clock"
	"github.com/betterplan/betterplan/internal/credential"
	"github.com/betterplan/betterplan/internal/ratelimit"
	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xclient"
	"github.com/betterplan/betterplan/internal/xweb"
)

const (
	// pendingTTL is how long a person has to approve at X.
	pendingTTL = 15 * time.Minute
	// StateCookie binds the browser that started a connection to the
	// callback, so nobody can make another person's browser finish it
	// (login CSRF).
	StateCookie = "x_oauth_token"
	// CallbackPath is where X sends the browser back.
	CallbackPath = "/api/auth/x/callback"
	// invalidateTimeout bounds the best-effort revocation at X on disconnect.
	invalidateTimeout = 3 * time.Second
)

// Deps is what the service needs.
type Deps struct {
	Pool   *pgxpool.Pool
	Now    clock.Clock
	Log    *slog.Logger
	Keys   *secretbox.Keyring
	X      *xclient.Client // nil when no X keys are configured
	AppURL string          // origin of the web app; callback and redirects hang off it
	// SecureCookies sets Secure on the state cookie (APP_URL is https).
	SecureCookies bool
	// SessionUser resolves a session cookie to its user (the auth interceptor's logic).
	SessionUser func(ctx context.Context, h http.Header) (auth.Principal, error)
	// Starts limits StartXAuthorization per user: each one calls X.
	Starts *ratelimit.Limit
	// XWeb is where profile links point (x.com or the sandbox).
	XWeb xweb.Site
}

// Service implements IntegrationService. The proto rules bound the
// requests' strings (length, no NUL, ids are ULIDs) before a handler runs
// (internal/rpcvalidate); the handlers check that required ones are set and
// say what for.
type Service struct {
	Deps
	q *dbq.Queries
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{Deps: d, q: dbq.New(d.Pool)}
}

var _ integrationv1connect.IntegrationServiceHandler = (*Service)(nil)

// StartXAuthorization implements IntegrationService.StartXAuthorization.
func (s *Service) StartXAuthorization(ctx context.Context, req *connect.Request[integrationv1.StartXAuthorizationRequest]) (*connect.Response[integrationv1.StartXAuthorizationResponse], error) {
	if s.X == nil {
		return nil, errNotConfigured
	}
	workspaceID := req.Msg.GetWorkspaceId()
	if _, err := access.Check(ctx, s.q, workspaceID, auth.UserID(ctx), dbq.WorkspaceRoleAdmin, "connecting X accounts"); err != nil {
		return nil, err
	}
	if err := s.Starts.Enforce(ctx, auth.UserID(ctx)); err != nil {
		return nil, err
	}
	callback := s.AppURL + CallbackPath
	if req.Msg.GetPinFlow() {
		callback = "oob"
	}
	token, secret, err := s.X.RequestToken(ctx, callback)
	if err != nil {
		return nil, xError("get a request token", err)
	}
	now := s.Now.Now()
	expires := now.Add(pendingTTL)
	sealed, keyID := s.Keys.Seal([]byte(secret), pendingAAD(token))
	if err := s.q.XAuthorizationCreate(ctx, dbq.XAuthorizationCreateParams{
		OauthToken: token, UserID: auth.UserID(ctx), WorkspaceID: workspaceID, TokenSecret: sealed, TokenSecretKeyID: keyID,
		PinFlow: req.Msg.GetPinFlow(), Now: now, ExpiresAt: expires,
	}); err != nil {
		return nil, err
	}
	// Pending authorizations are tiny; dropping day-old ones here keeps the table small.
	if err := s.q.XAuthorizationPrune(ctx, now.Add(-24*time.Hour)); err != nil {
		s.Log.WarnContext(ctx, "prune x_authorizations", "err", err)
	}
	resp := connect.NewResponse(&integrationv1.StartXAuthorizationResponse{
		AuthorizationUrl: s.X.AuthorizationURL(token), OauthToken: token, ExpireTime: timestamppb.New(expires),
	})
	if !req.Msg.GetPinFlow() {
		resp.Header().Add("Set-Cookie", s.stateCookie(token, now).String())
	}
	return resp, nil
}

// CompleteXAuthorization implements IntegrationService.CompleteXAuthorization.
func (s *Service) CompleteXAuthorization(ctx context.Context, req *connect.Request[integrationv1.CompleteXAuthorizationRequest]) (*connect.Response[integrationv1.CompleteXAuthorizationResponse], error) {
	if req.Msg.GetOauthToken() == "" {
		return nil, apierr.Invalid("oauth_token", "is required (StartXAuthorization returned it)")
	}
	if req.Msg.GetOauthVerifier() == "" {
		return nil, apierr.Invalid("oauth_verifier", "is required (the PIN X showed after you approved)")
	}
	if s.X == nil {
		return nil, errNotConfigured
	}
	pending, err := s.claim(ctx, req.Msg.GetOauthToken(), auth.UserID(ctx))
	if err != nil {
		return nil, err
	}
	row, err := s.connect(ctx, pending, req.Msg.GetOauthVerifier())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&integrationv1.CompleteXAuthorizationResponse{Integration: s.toProto(row)}), nil
}

// ListIntegrations implements IntegrationService.ListIntegrations.
func (s *Service) ListIntegrations(ctx context.Context, req *connect.Request[integrationv1.ListIntegrationsRequest]) (*connect.Response[integrationv1.ListIntegrationsResponse], error) {
	if _, err := access.Role(ctx, s.q, req.Msg.GetWorkspaceId(), auth.UserID(ctx)); err != nil {
		return nil, err
	}
	rows, err := s.q.IntegrationList(ctx, req.Msg.GetWorkspaceId())
	if err != nil {
		return nil, err
	}
	out := make([]*integrationv1.Integration, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.toProto(r))
	}
	return connect.NewResponse(&integrationv1.ListIntegrationsResponse{Integrations: out}), nil
}

// GetIntegration implements IntegrationService.GetIntegration.
func (s *Service) GetIntegration(ctx context.Context, req *connect.Request[integrationv1.GetIntegrationRequest]) (*connect.Response[integrationv1.GetIntegrationResponse], error) {
	if req.Msg.GetId() == "" {
		return nil, apierr.Invalid("id", "is required")
	}
	row, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&integrationv1.GetIntegrationResponse{Integration: s.toProto(row.Integration)}), nil
}

// get reads an X account with the caller's role in its workspace.
func (s *Service) get(ctx context.Context, id string) (dbq.IntegrationGetForMemberRow, error) {
	row, err := s.q.IntegrationGetForMember(ctx, dbq.IntegrationGetForMemberParams{ID: id, UserID: auth.UserID(ctx)})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return row, errNoIntegration
	}
	return row, err
}

// DeleteIntegration implements IntegrationService.DeleteIntegration.
func (s *Service) DeleteIntegration(ctx context.Context, req *connect.Request[integrationv1.DeleteIntegrationRequest]) (*connect.Response[integrationv1.DeleteIntegrationResponse], error) {
	if req.Msg.GetId() == "" {
		return nil, apierr.Invalid("id", "is required")
	}
	cur, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	if err := access.Require(cur.Role, dbq.WorkspaceRoleAdmin, "disconnecting X accounts"); err != nil {
		return nil, err
	}
	id, workspaceID := cur.Integration.ID, cur.Integration.WorkspaceID
	var row dbq.Integration
	err = db.InTx(ctx, s.Pool, func(q *dbq.Queries) error {
		// Lock the account first: a post being scheduled for it right now
		// (which holds it with IntegrationHoldForPost) is written before we
		// go on, and is failed below like the others.
		if _, err := q.IntegrationLockForDelete(ctx, dbq.IntegrationLockForDeleteParams{ID: id, WorkspaceID: workspaceID}); err != nil {
			if errors.Is(db.Classify(err), db.ErrNotFound) {
				return errNoIntegration
			}
			return err
		}
		// Its scheduled posts can no longer go out: fail them, saying why,
		// before the delete clears their integration_id.
		now := s.Now.Now()
		if err := q.PostFailForIntegration(ctx, dbq.PostFailForIntegrationParams{Now: now, IntegrationID: &id}); err != nil {
			return err
		}
		var err error
		row, err = q.IntegrationDelete(ctx, dbq.IntegrationDeleteParams{ID: id, WorkspaceID: workspaceID})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Log.InfoContext(ctx, "integration disconnected", "integration_id", row.ID, "username", row.Username)
	s.invalidateAtX(ctx, row)
	return connect.NewResponse(&integrationv1.DeleteIntegrationResponse{}), nil
}

// invalidateAtX revokes a deleted integration's token at X, best effort: the
// credentials are already gone from our side, which is what matters.
func (s *Service) invalidateAtX(ctx context.Context, row dbq.Integration) {
	if s.X == nil {
		return
	}
	creds, err := credential.Open(s.Keys, credential.Sealed{Platform: row.Platform, AccountID: row.PlatformAccountID, Data: row.Credential, KeyID: row.CredentialKeyID})
	if err != nil {
		s.Log.WarnContext(ctx, "cannot open credentials to invalidate them at X", "integration_id", row.ID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), invalidateTimeout)
	defer cancel()
	if err := s.X.InvalidateToken(ctx, creds); err != nil {
		s.Log.WarnContext(ctx, "invalidate token at X failed; it stays valid at X until the person revokes it there",
			"integration_id", row.ID, "err", err)
	}
}

// claim takes a pending authorization of userID for good (single use),
// saying precisely why it cannot when it cannot.
func (s *Service) claim(ctx context.Context, token, userID string) (dbq.XAuthorization, error) {
	now := s.Now.Now()
	p, err := s.q.XAuthorizationGet(ctx, token)
	switch {
	case errors.Is(db.Classify(err), db.ErrNotFound):
		return p, errUnknownRequest
	case err != nil:
		return p, err
	case userID != "" && p.UserID != userID:
		return p, errOtherUser
	case p.UsedAt != nil:
		return p, errAlreadyUsed
	case !p.ExpiresAt.After(now):
		return p, errExpired
	}
	p, err = s.q.XAuthorizationUse(ctx, dbq.XAuthorizationUseParams{OauthToken: token, Now: now})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return p, errAlreadyUsed // lost a race with a concurrent completion
	}
	return p, err
}

// peek reads a pending authorization without claiming it.
func (s *Service) peek(ctx context.Context, token string) (dbq.XAuthorization, error) {
	p, err := s.q.XAuthorizationGet(ctx, token)
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return p, errUnknownRequest
	}
	return p, err
}

// connect exchanges the verifier for access credentials, reads the account
// from X and stores (or refreshes) the integration.
func (s *Service) connect(ctx context.Context, p dbq.XAuthorization, verifier string) (dbq.Integration, error) {
	secret, err := s.Keys.Open(p.TokenSecret, p.TokenSecretKeyID, pendingAAD(p.OauthToken))
	if err != nil {
		return dbq.Integration{}, fmt.Errorf("open request token secret: %w", err)
	}
	creds, err := s.X.AccessToken(ctx, p.OauthToken, string(secret), verifier)
	if err != nil {
		return dbq.Integration{}, xError("exchange the verifier", err)
	}
	me, err := s.X.Me(ctx, creds)
	if err != nil {
		return dbq.Integration{}, xError("read the X account", err)
	}
	// The person may have lost the admin role (or left) while at X.
	if _, err := access.Check(ctx, s.q, p.WorkspaceID, p.UserID, dbq.WorkspaceRoleAdmin, "connecting X accounts"); err != nil {
		return dbq.Integration{}, err
	}
	sealed, keyID := credential.Seal(s.Keys, me.ID, creds)
	row, err := s.q.IntegrationUpsert(ctx, dbq.IntegrationUpsertParams{
		ID: newID(), WorkspaceID: p.WorkspaceID, ConnectedBy: &p.UserID, Platform: "x", PlatformAccountID: me.ID,
		Username: me.Username, DisplayName: me.Name, AvatarUrl: me.ProfileImageURL,
		Credential: sealed, CredentialKeyID: keyID, Now: s.Now.Now(),
	})
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return row, errAlreadyConnected
	}
	if err != nil {
		return row, err
	}
	s.Log.InfoContext(ctx, "X account connected", "user_id", p.UserID, "workspace_id", p.WorkspaceID, "integration_id", row.ID, "username", row.Username)
	return row, nil
}

func (s *Service) stateCookie(token string, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name: StateCookie, Value: token, Path: CallbackPath,
		Expires: now.Add(pendingTTL), MaxAge: int(pendingTTL.Seconds()),
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

func (s *Service) clearStateCookie() *http.Cookie {
	return &http.Cookie{
		Name: StateCookie, Path: CallbackPath, MaxAge: -1,
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

func pendingAAD(token string) []byte { return []byte("x_authorization:" + token) }
