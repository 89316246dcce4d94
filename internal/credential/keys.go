package credential

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/betterplan/betterplan/db/dbq"
	"github.com/betterplan/betterplan/internal/secretbox"
)

// CheckKeys opens one stored credential per key id and fails, naming the
// key ids and how many accounts each seals, when the configured keys cannot
// open them: a process started with the wrong TOKEN_ENCRYPTION_KEY would
// otherwise fail every post of those accounts.
func CheckKeys(ctx context.Context, q *dbq.Queries, keys *secretbox.Keyring) error {
	rows, err := q.IntegrationKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("read which keys sealed the stored X credentials: %w", err)
	}
	var bad []string
	for _, r := range rows {
		if _, err := Open(keys, Sealed{Platform: r.Platform, AccountID: r.PlatformAccountID, Data: r.Credential, KeyID: r.CredentialKeyID}); err != nil {
			why := "that key is not configured"
			if !errors.Is(err, secretbox.ErrUnknownKey) {
				why = "it does not open with the configured key of that id"
			}
			bad = append(bad, fmt.Sprintf("key id %s seals %d X account(s) and %s", r.CredentialKeyID, r.Integrations, why))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the configured encryption keys (current key id %s) cannot open the stored X credentials: %s; "+
			"set TOKEN_ENCRYPTION_KEY to the key the api uses and list older keys in TOKEN_ENCRYPTION_OLD_KEYS (after a rotation, `api reseal` moves every credential to the current key)",
			keys.CurrentKeyID(), strings.Join(bad, "; "))
	}
	return nil
}

// resealBatch bounds one read of credentials to re-seal.
const resealBatch = 100

// Reseal re-seals every stored credential that another key sealed with the
// current key, so the old keys can be dropped afterwards. It returns how
// many it re-sealed. Credentials replaced meanwhile (a reconnect) are left
// alone: they were sealed with the current key already.
func Reseal(ctx context.Context, q *dbq.Queries, keys *secretbox.Keyring, log *slog.Logger) (int, error) {
	done := 0
	for {
		rows, err := q.IntegrationSealedWithOtherKeys(ctx, dbq.IntegrationSealedWithOtherKeysParams{
			CurrentKeyID: keys.CurrentKeyID(), Lim: resealBatch,
		})
		if err != nil {
			return done, fmt.Errorf("read credentials to re-seal: %w", err)
		}
		if len(rows) == 0 {
			return done, nil
		}
		for _, r := range rows {
			creds, err := Open(keys, Sealed{Platform: r.Platform, AccountID: r.PlatformAccountID, Data: r.Credential, KeyID: r.CredentialKeyID})
			if err != nil {
				return done, fmt.Errorf("integration %s: %w (give its key in TOKEN_ENCRYPTION_OLD_KEYS)", r.ID, err)
			}
			sealed, keyID := Seal(keys, r.PlatformAccountID, creds)
			n, err := q.IntegrationReseal(ctx, dbq.IntegrationResealParams{
				ID: r.ID, OldCredential: r.Credential, NewCredential: sealed, NewKeyID: keyID,
			})
			if err != nil {
				return done, fmt.Errorf("re-seal integration %s: %w", r.ID, err)
			}
			if n == 1 {
				done++
				log.Info("credential re-sealed", "integration_id", r.ID, "from_key_id", r.CredentialKeyID, "to_key_id", keyID)
			}
		}
	}
}
