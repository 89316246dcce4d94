package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/betterplan/betterplan/internal/secretbox"
	"github.com/betterplan/betterplan/internal/xweb"
)

// X is how BetterPlan reaches X (or the offline sandbox that stands in for it).
type X struct {
	APIURL string // X_API_URL
	// WebURL (X_WEB_URL) is where links to profiles and posts point:
	// https://x.com, or the sandbox under make run.
	WebURL       string
	ClientID     string // X_CLIENT_ID: the app's consumer (API) key
	ClientSecret string // X_CLIENT_SECRET
}

// Configured reports whether X keys were given.
func (x X) Configured() bool { return x.ClientID != "" }

// LogValue masks the secret.
func (x X) LogValue() slog.Value {
	secret := ""
	if x.ClientSecret != "" {
		secret = "xxxxx"
	}
	return slog.GroupValue(
		slog.String("X_API_URL", x.APIURL),
		slog.String("X_WEB_URL", x.WebURL),
		slog.String("X_CLIENT_ID", x.ClientID),
		slog.String("X_CLIENT_SECRET", secret),
	)
}

func loadX(getenv Getenv, errs []error) (X, []error) {
	x := X{
		APIURL:       strings.TrimRight(strings.TrimSpace(getenv("X_API_URL")), "/"),
		WebURL:       strings.TrimRight(strings.TrimSpace(getenv("X_WEB_URL")), "/"),
		ClientID:     strings.TrimSpace(getenv("X_CLIENT_ID")),
		ClientSecret: strings.TrimSpace(getenv("X_CLIENT_SECRET")),
	}
	if x.APIURL == "" {
		x.APIURL = "https://api.x.com"
	}
	if u, err := url.Parse(x.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("X_API_URL=%q must be an http(s) URL like https://api.x.com", x.APIURL))
	}
	if x.WebURL == "" {
		x.WebURL = xweb.Default
	}
	if u, err := url.Parse(x.WebURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("X_WEB_URL=%q must be an http(s) origin like https://x.com", x.WebURL))
	}
	if (x.ClientID == "") != (x.ClientSecret == "") {
		errs = append(errs, errors.New("X_CLIENT_ID and X_CLIENT_SECRET must be set together (the API key and secret of your X app)"))
	}
	return x, errs
}

// Keys are the credential-encryption keys.
type Keys struct {
	Ring *secretbox.Keyring
}

// LogValue shows key ids, never keys.
func (k Keys) LogValue() slog.Value {
	if k.Ring == nil {
		return slog.StringValue("")
	}
	return slog.GroupValue(slog.String("TOKEN_ENCRYPTION_KEY", "id "+k.Ring.CurrentKeyID()))
}

// loadKeys reads TOKEN_ENCRYPTION_KEY (base64 of 32 bytes) and
// TOKEN_ENCRYPTION_OLD_KEYS (comma-separated, for rotation). No process
// makes a key up: one made up per process could not open what another
// process sealed (make run keeps a development key in .data/).
func loadKeys(getenv Getenv, errs []error) (Keys, []error) {
	raw := strings.TrimSpace(getenv("TOKEN_ENCRYPTION_KEY"))
	if raw == "" {
		return Keys{}, append(errs, errors.New("TOKEN_ENCRYPTION_KEY is not set: set it to base64 of 32 random bytes (openssl rand -base64 32), the same for the api and every publisher; it encrypts X credentials, and losing it means every X account must be reconnected (make run generates a development key into .data/)"))
	}
	current, err := secretbox.ParseKey(raw)
	if err != nil {
		return Keys{}, append(errs, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err))
	}
	var old [][]byte
	for i, s := range strings.Split(getenv("TOKEN_ENCRYPTION_OLD_KEYS"), ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := secretbox.ParseKey(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("TOKEN_ENCRYPTION_OLD_KEYS: key %d: %w", i+1, err))
			continue
		}
		old = append(old, k)
	}
	ring, err := secretbox.NewKeyring(current, old...)
	if err != nil {
		return Keys{}, append(errs, fmt.Errorf("TOKEN_ENCRYPTION_KEY: %w", err))
	}
	return Keys{Ring: ring}, errs
}
