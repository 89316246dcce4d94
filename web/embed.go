// Package web is BetterPlan's web app: the TypeScript in src/, bundled by
// esbuild (`make web-build`) into app/app.js, which is committed and embedded
// here with index.html and app.css so the api binary serves the app itself.
package web

import "embed"

// App holds the built web app under "app/".
//
//go:embed app
var App embed.FS
