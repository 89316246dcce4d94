package mediainfo_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/betterplan/betterplan/internal/mediainfo"
)

func sniff(t *testing.T, b []byte) (mediainfo.Info, error) {
	t.Helper()
	return mediainfo.Sniff(bytes.NewReader(b), int64(len(b)))
}

func TestImages(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 320))
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	for name, tc := range map[string]struct {
		data []byte
		mime string
	}{"png": {p.Bytes(), "image/png"}, "jpeg": {j.Bytes(), "image/jpeg"}} {
		info, err := sniff(t, tc.data)
		if err != nil || info.Kind != mediainfo.Image || info.MIME != tc.mime || info.Width != 800 || info.Height != 320 {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
		if err := info.Check(int64(len(tc.data))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := info.Check(6 << 20); err == nil || !strings.Contains(err.Error(), "up to 5 MB") {
			t.Fatalf("%s of 6 MB: %v", name, err)
		}
	}
	// A PNG's name or claimed type does not matter; a damaged one is refused.
	if _, err := sniff(t, p.Bytes()[:30]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated PNG: %v", err)
	}
}

func gifOf(w, h, frames int) []byte {
	g := &gif.GIF{}
	for i := range frames {
		pal := color.Palette{color.Black, color.White}
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		f.SetColorIndex(i%w, 0, 1)
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	_ = gif.EncodeAll(&b, g)
	return b.Bytes()
}

func TestGIF(t *testing.T) {
	still, err := sniff(t, gifOf(40, 30, 1))
	if err != nil || still.Kind != mediainfo.Image || still.Frames != 1 || still.Width != 40 {
		t.Fatalf("still GIF: %+v %v", still, err)
	}
	anim, err := sniff(t, gifOf(40, 30, 5))
	if err != nil || anim.Kind != mediainfo.GIF || anim.Frames != 5 || anim.MIME != "image/gif" {
		t.Fatalf("animated GIF: %+v %v", anim, err)
	}
	if err := anim.Check(14 << 20); err != nil {
		t.Fatal(err)
	}
	if err := anim.Check(16 << 20); err == nil || !strings.Contains(err.Error(), "up to 15 MB") {
		t.Fatalf("16 MB GIF: %v", err)
	}
	big, _ := sniff(t, gifOf(1300, 10, 2))
	if err := big.Check(1000); err == nil || !strings.Contains(err.Error(), "1300×10") {
		t.Fatalf("wide GIF: %v", err)
	}
	many, _ := sniff(t, gifOf(2, 2, 351))
	if err := many.Check(1000); err == nil || !strings.Contains(err.Error(), "351 frames") {
		t.Fatalf("351 frames: %v (%+v)", err, many)
	}
	whole := gifOf(40, 30, 5)
	if _, err := sniff(t, whole[:len(whole)-20]); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("truncated GIF: %v", err)
	}
}

func webp(chunk string, payload []byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	for len(b) < 40 {
		b = append(b, 0)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestWebP(t *testing.T) {
	lossy := append([]byte{0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a}, 0x20, 0x03, 0x40, 0x01) // 800×320
	lossless := []byte{0x2f}
	lossless = binary.LittleEndian.AppendUint32(lossless, uint32(800-1)|uint32(320-1)<<14)
	ext := []byte{0x00, 0, 0, 0, 0x1f, 0x03, 0x00, 0x3f, 0x01, 0x00} // canvas 800×320
	for name, b := range map[string][]byte{"VP8": webp("VP8 ", lossy), "VP8L": webp("VP8L", lossless), "VP8X": webp("VP8X", ext)} {
		info, err := sniff(t, b)
		if err != nil || info.MIME != "image/webp" || info.Width != 800 || info.Height != 320 {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
	}
	anim := append([]byte{}, ext...)
	anim[0] = 0x02
	if _, err := sniff(t, webp("VP8X", anim)); err == nil || !strings.Contains(err.Error(), "animated WEBP") {
		t.Fatalf("animated WEBP: %v", err)
	}
}

// mp4 builds a movie: ftyp, the media data, and the movie box (or the
// movie box first, as "fast start" files have it).
type movie struct {
	brand       string
	scale       uint32 // movie timescale
	duration    uint64 // in scale units
	video       string // sample entry type; "" for none
	w, h        uint16
	fps         int
	audio       string // "" for none, "lc", "he" or another entry type
	moovFirst   bool
	largeMdat   bool
	mdatPayload int
}

func bx(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func (m movie) bytes() []byte {
	mvhd := bx("mvhd", []byte{1, 0, 0, 0}, make([]byte, 16), u32(m.scale), binary.BigEndian.AppendUint64(nil, m.duration), make([]byte, 80))
	var traks [][]byte
	if m.video != "" {
		entry := bx(m.video, make([]byte, 6), u16(1), make([]byte, 16), u16(m.w), u16(m.h), make([]byte, 50))
		stts := bx("stts", u32(0), u32(1), u32(uint32(m.fps*5)), u32(1000))
		traks = append(traks, bx("trak", bx("mdia",
			bx("mdhd", u32(0), u32(0), u32(0), u32(uint32(m.fps*1000)), u32(0), u32(0)),
			bx("hdlr", u32(0), u32(0), []byte("vide"), make([]byte, 13)),
			bx("minf", bx("stbl", bx("stsd", u32(0), u32(1), entry), stts)))))
	}
	if m.audio != "" {
		typ, aot := "mp4a", byte(2)
		switch m.audio {
		case "he":
			aot = 5
		case "lc":
		default:
			typ = m.audio
		}
		dsi := []byte{0x05, 0x02, aot << 3, 0x10}
		dcd := append([]byte{0x04, byte(13 + len(dsi)), 0x40, 0x15}, make([]byte, 11)...)
		dcd = append(dcd, dsi...)
		es := append([]byte{0x03, byte(3 + len(dcd)), 0, 1, 0}, dcd...)
		entry := bx(typ, make([]byte, 6), u16(1), make([]byte, 20), bx("esds", u32(0), es))
		traks = append(traks, bx("trak", bx("mdia",
			bx("hdlr", u32(0), u32(0), []byte("soun"), make([]byte, 13)),
			bx("minf", bx("stbl", bx("stsd", u32(0), u32(1), entry))))))
	}
	moov := bx("moov", append([][]byte{mvhd}, traks...)...)
	ftyp := bx("ftyp", []byte(m.brand), u32(0), []byte(m.brand))
	var mdat []byte
	if m.largeMdat {
		mdat = append(append(u32(1), "mdat"...), binary.BigEndian.AppendUint64(nil, uint64(16+m.mdatPayload))...)
		mdat = append(mdat, make([]byte, m.mdatPayload)...)
	} else {
		mdat = bx("mdat", make([]byte, m.mdatPayload))
	}
	if m.moovFirst {
		return bytes.Join([][]byte{ftyp, moov, mdat}, nil)
	}
	return bytes.Join([][]byte{ftyp, mdat, moov}, nil)
}

func good() movie {
	return movie{brand: "isom", scale: 1000, duration: 5000, video: "avc1", w: 1280, h: 720, fps: 30, audio: "lc", mdatPayload: 4096}
}

func TestVideo(t *testing.T) {
	for name, m := range map[string]movie{
		"moov last":   good(),
		"moov first":  func() movie { m := good(); m.moovFirst = true; return m }(),
		"64-bit mdat": func() movie { m := good(); m.largeMdat = true; return m }(),
	} {
		info, err := sniff(t, m.bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Kind != mediainfo.Video || info.MIME != "video/mp4" || info.Duration != 5*time.Second || info.VideoCodec != "avc1" ||
			info.AudioCodec != "aac-lc" || info.Width != 1280 || info.Height != 720 || info.FPS != 30 {
			t.Fatalf("%s: %+v", name, info)
		}
		if err := info.Check(int64(len(m.bytes()))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	mov := good()
	mov.brand = "qt  "
	if info, _ := sniff(t, mov.bytes()); info.MIME != "video/quicktime" {
		t.Fatalf("MOV: %+v", info)
	}
	silent := good()
	silent.audio = ""
	if info, err := sniff(t, silent.bytes()); err != nil || info.Check(1000) != nil {
		t.Fatalf("a video without sound: %+v %v", info, err)
	}

	// What X refuses, in words.
	for want, change := range map[string]func(*movie){
		"H.265/HEVC":          func(m *movie) { m.video = "hvc1" },
		"AAC-LC":              func(m *movie) { m.audio = "he" },
		"0.5 to 140 seconds":  func(m *movie) { m.duration = 141000 },
		"lasts 0.3 s":         func(m *movie) { m.duration = 300 },
		"1920×1080":           func(m *movie) { m.w, m.h = 1920, 1080 },
		"120 frames a second": func(m *movie) { m.fps = 120 },
		"no video track":      func(m *movie) { m.video = "" },
		"ac-3":                func(m *movie) { m.audio = "ac-3" },
	} {
		m := good()
		change(&m)
		info, err := sniff(t, m.bytes())
		if err == nil {
			err = info.Check(1 << 20)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	if err := (mediainfo.Info{Kind: mediainfo.Video, Duration: time.Minute, VideoCodec: "avc1", Width: 640, Height: 480}).Check(600 << 20); err == nil ||
		!strings.Contains(err.Error(), "up to 512 MB") {
		t.Fatalf("600 MB video: %v", err)
	}
}

// TestDamagedFiles: every cut of a valid file, and files that lie about
// their boxes, give an error and never a panic or a long read.
func TestDamagedFiles(t *testing.T) {
	full := good().bytes()
	for n := range len(full) {
		if info, err := sniff(t, full[:n]); err == nil && info.Check(int64(n)) == nil && n < len(full)-10 {
			// A cut inside trailing padding may still describe the movie.
			if info.Duration != 5*time.Second {
				t.Fatalf("cut at %d accepted as %+v", n, info)
			}
		}
	}
	liar := append(bx("ftyp", []byte("isom")), append(u32(0x7fffffff), "mdat"...)...)
	if _, err := sniff(t, liar); err == nil || !strings.Contains(err.Error(), "claims more bytes") {
		t.Fatalf("a box larger than the file: %v", err)
	}
	noMoov := bx("ftyp", []byte("isom"))
	if _, err := sniff(t, noMoov); err == nil || !strings.Contains(err.Error(), "no movie box") {
		t.Fatalf("no moov: %v", err)
	}
	for name, b := range map[string][]byte{"text": []byte("hello, world"), "pdf": []byte("%PDF-1.7\n..."), "empty": nil} {
		if _, err := sniff(t, b); !errors.Is(err, mediainfo.ErrUnknown) {
			t.Errorf("%s: %v, want ErrUnknown", name, err)
		}
	}
}
