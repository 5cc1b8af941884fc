package report

import (
	"fmt"
	"html"
	"os"
	"path"
	"regexp"
	"strings"

	"cgkalab/plots"
)

// addFigures adds the figures Draw wrote, reading each SVG for inlining.
func (pg *page) addFigures(figs []plots.Figure) error {
	for _, f := range figs {
		fig := figure{Kind: f.Kind, Caption: f.Caption, Run: f.Run}
		for _, name := range f.Files {
			rel := path.Join(PlotsDir, path.Base(strings.ReplaceAll(name, `\`, "/")))
			switch path.Ext(name) {
			case ".png":
				fig.PNG = rel
			case ".pdf":
				fig.PDF = rel
			case ".svg":
				b, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				svg, err := inlineSVG(string(b), f.Caption)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				fig.SVG = svg
			}
		}
		if f.Run == "" {
			pg.Figures = append(pg.Figures, fig)
			continue
		}
		if n := len(pg.RunFigures); n == 0 || pg.RunFigures[n-1].Run != f.Run {
			pg.RunFigures = append(pg.RunFigures, runFigures{Run: f.Run})
		}
		last := &pg.RunFigures[len(pg.RunFigures)-1]
		last.Figures = append(last.Figures, fig)
	}
	return nil
}

var (
	svgSize = regexp.MustCompile(`^<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)
	// gonum names the font it measured text with; browsers without it
	// should fall back to a face of similar metrics.
	svgFont = regexp.MustCompile(`font-family:Liberation (Serif|Sans|Mono)`)
)

// inlineSVG prepares a gonum SVG document for inlining into HTML: without
// its XML prologue, scaling to the page's width, with font fallbacks and
// a title for screen readers.
func inlineSVG(doc, title string) (string, error) {
	i := strings.Index(doc, "<svg")
	if i < 0 {
		return "", fmt.Errorf("no <svg> element")
	}
	doc = doc[i:]
	m := svgSize.FindStringSubmatchIndex(doc)
	if m == nil {
		return "", fmt.Errorf("SVG root without a width and height in points")
	}
	w := doc[m[2]:m[3]]
	doc = `<svg role="img" width="100%" style="height:auto" data-width="` + w + `pt"` + doc[m[1]:]
	doc = svgFont.ReplaceAllStringFunc(doc, func(s string) string {
		face := strings.TrimPrefix(s, "font-family:Liberation ")
		generic := map[string]string{"Serif": "'Times New Roman',Times,serif", "Sans": "Arial,Helvetica,sans-serif", "Mono": "'Courier New',monospace"}[face]
		return "font-family:'Liberation " + face + "'," + generic
	})
	end := strings.Index(doc, ">")
	return doc[:end+1] + "\n<title>" + html.EscapeString(title) + "</title>" + doc[end+1:], nil
}
