package secretbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

func key(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenAndRotate(t *testing.T) {
	oldKey, newKey := key(t), key(t)
	before, _ := NewKeyring(oldKey)
	ct, id := before.Seal([]byte("token:secret"), []byte("integration:1"))
	if id != KeyID(oldKey) || bytes.Contains(ct, []byte("secret")) {
		t.Fatalf("id %s, ciphertext %q", id, ct)
	}
	// After rotation the old ciphertext still opens, new ones use the new key.
	after, _ := NewKeyring(newKey, oldKey)
	pt, err := after.Open(ct, id, []byte("integration:1"))
	if err != nil || string(pt) != "token:secret" {
		t.Fatalf("open after rotation: %q %v", pt, err)
	}
	if _, id2 := after.Seal([]byte("x"), nil); id2 != KeyID(newKey) {
		t.Fatal("seals with an old key")
	}
	// Bound to its row.
	if _, err := after.Open(ct, id, []byte("integration:2")); err == nil {
		t.Fatal("ciphertext opened for another row")
	}
	// Tampered.
	ct[len(ct)-1] ^= 1
	if _, err := after.Open(ct, id, []byte("integration:1")); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	// Key dropped from the ring.
	only, _ := NewKeyring(newKey)
	if _, err := only.Open(ct, id, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("want ErrUnknownKey, got %v", err)
	}
}

func TestParseKey(t *testing.T) {
	k := key(t)
	for _, s := range []string{base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k)} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Fatalf("ParseKey(%q) = %v", s, err)
		}
	}
	if _, err := ParseKey(base64.StdEncoding.EncodeToString(k[:16])); err == nil {
		t.Fatal("accepted a 16-byte key")
	}
	if _, err := ParseKey("not base64 !!"); err == nil {
		t.Fatal("accepted garbage")
	}
}
