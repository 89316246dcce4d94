// Package mediatest makes real media files for tests: PNG, JPEG and GIF
// images from Go's encoders, and MP4/MOV movies with the boxes X checks
// (duration, size, codecs, frame rate) around an empty media payload.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// PNG is a w×h PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, pattern(w, h))
	return b.Bytes()
}

// JPEG is a w×h JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, pattern(w, h), nil)
	return b.Bytes()
}

func pattern(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%max(h, 1), color.RGBA{R: uint8(x), G: 90, B: 200, A: 255})
	}
	return img
}

// GIF is a w×h GIF of frames frames (one frame: a still image).
func GIF(w, h, frames int) []byte {
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

// Movie describes an MP4/MOV file: ftyp, the media data, and the movie box
// (or the movie box first, as "fast start" files have it).
type Movie struct {
	Brand       string // "isom", "qt  "
	Scale       uint32 // movie timescale
	Duration    uint64 // in Scale units
	Video       string // sample entry type (avc1, hvc1…); "" for none
	W, H        uint16
	FPS         int
	Audio       string // "" for none, "lc", "he" or another entry type
	MoovFirst   bool
	LargeMdat   bool
	MdatPayload int // bytes of (empty) media data
}

// GoodMovie is a 5-second 1280×720 30 fps H.264 movie with AAC-LC sound, as X takes it.
func GoodMovie() Movie {
	return Movie{Brand: "isom", Scale: 1000, Duration: 5000, Video: "avc1", W: 1280, H: 720, FPS: 30, Audio: "lc", MdatPayload: 4096}
}

// MP4 is GoodMovie's bytes grown to size bytes.
func MP4(size int) []byte {
	m := GoodMovie()
	m.MdatPayload = max(size-len(m.Bytes()), 0) + m.MdatPayload
	return m.Bytes()
}

// Box is an MP4 box of type typ holding parts.
func Box(typ string, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// Bytes is the file.
func (m Movie) Bytes() []byte {
	mvhd := Box("mvhd", []byte{1, 0, 0, 0}, make([]byte, 16), u32(m.Scale), binary.BigEndian.AppendUint64(nil, m.Duration), make([]byte, 80))
	var traks [][]byte
	if m.Video != "" {
		entry := Box(m.Video, make([]byte, 6), u16(1), make([]byte, 16), u16(m.W), u16(m.H), make([]byte, 50))
		stts := Box("stts", u32(0), u32(1), u32(uint32(m.FPS*5)), u32(1000))
		traks = append(traks, Box("trak", Box("mdia",
			Box("mdhd", u32(0), u32(0), u32(0), u32(uint32(m.FPS*1000)), u32(0), u32(0)),
			Box("hdlr", u32(0), u32(0), []byte("vide"), make([]byte, 13)),
			Box("minf", Box("stbl", Box("stsd", u32(0), u32(1), entry), stts)))))
	}
	if m.Audio != "" {
		typ, aot := "mp4a", byte(2)
		switch m.Audio {
		case "he":
			aot = 5
		case "lc":
		default:
			typ = m.Audio
		}
		dsi := []byte{0x05, 0x02, aot << 3, 0x10}
		dcd := append([]byte{0x04, byte(13 + len(dsi)), 0x40, 0x15}, make([]byte, 11)...)
		dcd = append(dcd, dsi...)
		es := append([]byte{0x03, byte(3 + len(dcd)), 0, 1, 0}, dcd...)
		entry := Box(typ, make([]byte, 6), u16(1), make([]byte, 20), Box("esds", u32(0), es))
		traks = append(traks, Box("trak", Box("mdia",
			Box("hdlr", u32(0), u32(0), []byte("soun"), make([]byte, 13)),
			Box("minf", Box("stbl", Box("stsd", u32(0), u32(1), entry))))))
	}
	moov := Box("moov", append([][]byte{mvhd}, traks...)...)
	ftyp := Box("ftyp", []byte(m.Brand), u32(0), []byte(m.Brand))
	var mdat []byte
	if m.LargeMdat {
		mdat = append(append(u32(1), "mdat"...), binary.BigEndian.AppendUint64(nil, uint64(16+m.MdatPayload))...)
		mdat = append(mdat, make([]byte, m.MdatPayload)...)
	} else {
		mdat = Box("mdat", make([]byte, m.MdatPayload))
	}
	if m.MoovFirst {
		return bytes.Join([][]byte{ftyp, moov, mdat}, nil)
	}
	return bytes.Join([][]byte{ftyp, mdat, moov}, nil)
}
