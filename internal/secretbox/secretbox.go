// Package secretbox encrypts credentials at rest with AES-256-GCM. Each
// ciphertext is stored with the id of the key that sealed it, so keys can
// rotate: seal with the current key, open with any key still in the ring.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Keyring holds the current key and older keys kept for opening.
type Keyring struct {
	currentID string
	aeads     map[string]cipher.AEAD
}

// ErrUnknownKey means a ciphertext was sealed with a key no longer configured.
var ErrUnknownKey = errors.New("secretbox: ciphertext was sealed with a key that is not configured")

// ParseKey decodes a base64 (standard or URL alphabet, padded or not) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != 32 {
				return nil, fmt.Errorf("key is %d bytes; want 32 (generate one with: openssl rand -base64 32)", len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("key is not base64 (generate one with: openssl rand -base64 32)")
}

// KeyID names a key without revealing it: the first 8 bytes of its SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// NewKeyring seals with current and opens with current or any of old.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{current}, old...) {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[KeyID(key)] = aead
	}
	k.currentID = KeyID(current)
	return k, nil
}

// CurrentKeyID is the id of the key Seal uses.
func (k *Keyring) CurrentKeyID() string { return k.currentID }

// Seal encrypts plaintext bound to aad (e.g. the row it belongs to, so a
// ciphertext copied to another row does not open).
func (k *Keyring) Seal(plaintext, aad []byte) (ciphertext []byte, keyID string) {
	aead := k.aeads[k.currentID]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, aad), k.currentID
}

// Open decrypts a ciphertext sealed by Seal.
func (k *Keyring) Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, keyID)
	}
	if len(ciphertext) < aead.NonceSize() {
		return nil, errors.New("secretbox: ciphertext too short")
	}
	nonce, sealed := ciphertext[:aead.NonceSize()], ciphertext[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, sealed, aad)
	if err != nil {
		return nil, errors.New("secretbox: ciphertext does not open (tampered, or bound to another row)")
	}
	return pt, nil
}
