package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// The lag picture: for each scenario, the share of posts (y) that reached
// X within a lag (x, log scale from 1 ms to 10 s), so the tail shows at a
// glance: a curve that reaches 100% further left is better.

var svgColors = []string{"#0369a1", "#b45309", "#15803d", "#7e22ce", "#be123c", "#334155", "#0f766e", "#a16207"}

const (
	svgW, svgH             = 800, 360
	svgLeft, svgRight      = 60, 240
	svgTop, svgBottom      = 20, 40
	svgMinLag, svgMaxLag   = time.Millisecond, 10 * time.Second
	svgPlotW, svgPlotH     = svgW - svgLeft - svgRight, svgH - svgTop - svgBottom
	svgDefaultPath         = "docs/bench-lag.svg"
	svgPeersPath           = "docs/bench-peers.svg"
	svgEnv                 = "BENCH_SVG"
	svgNoneValue           = "-"
	svgPointsPerCurveLimit = 400
)

func svgX(d time.Duration) float64 {
	d = min(max(d, svgMinLag), svgMaxLag)
	f := math.Log10(float64(d)/float64(svgMinLag)) / math.Log10(float64(svgMaxLag)/float64(svgMinLag))
	return svgLeft + f*svgPlotW
}

func svgY(frac float64) float64 { return svgTop + (1-frac)*svgPlotH }

// writeLagSVG draws the lag distribution of every scenario that sent posts.
func writeLagSVG(w io.Writer, describe string, results []result) error {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(&b, `<title>Lag distribution per scenario: %s</title>`+"\n", xmlEscape(describe))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgW, svgH)
	// Grid: decades of lag, quarters of posts.
	for _, d := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second, 10 * time.Second} {
		x := svgX(d)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e2e8f0"/><text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
			x, svgTop, x, svgTop+svgPlotH, x, svgTop+svgPlotH+16, d)
	}
	for _, q := range []float64{0, 0.25, 0.5, 0.75, 0.99, 1} {
		y := svgY(q)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e2e8f0"/>`, svgLeft, y, svgLeft+svgPlotW, y)
		if q < 1 { // 100% would sit on 99%'s label
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%g%%</text>`, svgLeft-6, y+4, q*100)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">lag: X received it − scheduled time (log scale)</text>`+"\n", svgLeft+svgPlotW/2, svgH-6)
	n := 0
	colors := map[string]string{} // a scenario keeps its color; a peer's curve is dashed
	for _, r := range results {
		if len(r.lags) == 0 {
			continue
		}
		color, ok := colors[r.name]
		if !ok {
			color = svgColors[len(colors)%len(svgColors)]
			colors[r.name] = color
		}
		var pts []string
		step := max(1, len(r.lags)/svgPointsPerCurveLimit)
		for i := 0; i < len(r.lags); i += step {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", svgX(r.lags[i]), svgY(float64(i+1)/float64(len(r.lags)))))
		}
		last := r.lags[len(r.lags)-1]
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", svgX(last), svgY(1)))
		dash := ""
		if r.c.handOver { // a peer: dashed
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color, dash, strings.Join(pts, " "))
		ly := svgTop + 14 + n*36
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"%s/><text x="%d" y="%d">%s</text><text x="%d" y="%d" fill="#475569">p99 %s, max %s</text>`+"\n",
			svgW-svgRight+10, ly, svgW-svgRight+28, ly, color, dash, svgW-svgRight+34, ly+4, xmlEscape(r.label()), svgW-svgRight+34, ly+18, ms(r.lag.p99), ms(r.lag.max))
		n++
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// saveLagSVG writes the picture where BENCH_SVG says (def by default, "-"
// for none).
func saveLagSVG(def, describe string, results []result) error {
	path := os.Getenv(svgEnv)
	if path == svgNoneValue {
		return nil
	}
	if path == "" {
		path = def
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeLagSVG(f, describe, results); err != nil {
		_ = f.Close()
		return err
	}
	progress("lag picture written to %s", path)
	return f.Close()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
