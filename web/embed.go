// Package web is BetterPlan's web app: React and TypeScript in src/ (with
// index.html), built by Vite (`make web-build`) into app/, which is
// committed and embedded here so the api binary serves the app itself and
// building it needs no Node.
package web

import "embed"

// App holds the built web app under "app/".
//
//go:embed app
var App embed.FS
