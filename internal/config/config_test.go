package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadAPIDefaults(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://u:hunter2@db:5432/bp"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AppURL.String() != "http://localhost:3000" || c.HTTPAddr != ":3000" || c.LogLevel.String() != "INFO" || c.SecureCookies() {
		t.Fatalf("defaults: %+v", c)
	}
	logged := c.LogValue().String()
	if strings.Contains(logged, "hunter2") || !strings.Contains(logged, "u:xxxxx@db") {
		t.Fatalf("password not masked: %s", logged)
	}
}

func TestLoadAPIBadValues(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // the variable named in the error
	}{
		{map[string]string{}, "DATABASE_URL is not set"},
		{map[string]string{"DATABASE_URL": "postgres://u:hunter2@db:notaport/bp"}, "DATABASE_URL is not a valid"},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "ftp://x"}, "APP_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "https://x.com/app"}, "APP_URL="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "HTTP_ADDR": "3000"}, "HTTP_ADDR="},
		{map[string]string{"DATABASE_URL": "postgres://db/bp", "LOG_LEVEL": "loud"}, "LOG_LEVEL"},
	}
	for _, tc := range cases {
		_, err := LoadAPI(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: error %v, want one naming %q", tc.env, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	c, err := LoadAPI(env(map[string]string{"DATABASE_URL": "postgres://db/bp", "APP_URL": "https://app.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SecureCookies() || c.AppURL.String() != "https://app.example.com" {
		t.Fatalf("%v %v", c.SecureCookies(), c.AppURL)
	}
}
