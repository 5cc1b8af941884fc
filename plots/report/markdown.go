package report

import (
	"fmt"
	"strings"
)

// writeMarkdown renders the page as GitHub-flavoured Markdown with PNG
// figures, for mailing lists and issues: the text and tables paste as
// they are, and the figures are the PNG files under plots/.
func writeMarkdown(w *strings.Builder, pg *page) error {
	fmt.Fprintf(w, "# %s\n\n", mdText(pg.Experiment))
	if pg.Question != "" {
		fmt.Fprintf(w, "**%s**\n\n", mdText(pg.Question))
	}
	if pg.Description != "" {
		fmt.Fprintf(w, "%s\n\n", mdText(pg.Description))
	}
	for _, f := range pg.Facts {
		fmt.Fprintf(w, "- %s: %s\n", f.Name, mdText(f.Value))
	}
	w.WriteString("\n## Results\n\n")
	for _, t := range pg.Settings {
		mdTable(w, t)
	}
	if len(pg.Figures) > 0 {
		w.WriteString("## Figures\n\n")
		for _, f := range pg.Figures {
			mdFigure(w, f)
		}
	}
	w.WriteString("## Statistics and censoring\n\n")
	for _, n := range pg.Notes {
		fmt.Fprintf(w, "- **%s.** %s\n", mdText(n.Topic), mdText(n.Text))
	}
	w.WriteString("\n## Runs\n\n")
	for _, t := range pg.Runs {
		mdTable(w, t)
	}
	for i, rf := range pg.RunFigures {
		fmt.Fprintf(w, "### %s\n\n", mdText(rf.Run))
		for _, f := range rf.Figures {
			if i > 0 { // captions once, under the first run's figures
				f.Caption = ""
			}
			mdFigure(w, f)
		}
	}
	w.WriteString("## Configuration\n\n")
	mdTable(w, pg.Config)
	w.WriteString("## Files\n\n")
	for _, f := range pg.Files {
		fmt.Fprintf(w, "- [%s](%s)\n", mdText(f), mdLink(f))
	}
	w.WriteString("\nWritten by `cgkalab report` from the result files alone; the same results give the same report.\n")
	return nil
}

func mdTable(w *strings.Builder, t table) {
	fmt.Fprintf(w, "%s\n\n", mdText(t.Caption))
	row := func(cells []string) {
		w.WriteString("|")
		for _, c := range cells {
			w.WriteString(" " + mdCell(c) + " |")
		}
		w.WriteString("\n")
	}
	row(t.Head)
	align := make([]string, len(t.Head))
	for i := range align {
		align[i] = "---:"
		if i == 0 || t.Head[0] == "setting" && len(t.Head) == 2 {
			align[i] = ":---"
		}
	}
	w.WriteString("|" + strings.Join(align, "|") + "|\n")
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = c.Text
		}
		row(cells)
	}
	w.WriteString("\n")
}

func mdFigure(w *strings.Builder, f figure) {
	if f.PNG == "" {
		return
	}
	fmt.Fprintf(w, "![%s](%s)\n\n", mdText(f.Kind), mdLink(f.PNG))
	var parts []string
	if f.Caption != "" {
		parts = append(parts, mdText(f.Caption))
	}
	if f.PDF != "" {
		parts = append(parts, fmt.Sprintf("([PDF](%s))", mdLink(f.PDF)))
	}
	if len(parts) > 0 {
		w.WriteString(strings.Join(parts, " ") + "\n\n")
	}
}

// mdText escapes the characters Markdown would read as markup in running
// text.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", "#", `\#`)

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCell also escapes the column separator.
func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "|", `\|`) }

// mdLink makes a relative path safe inside (...): spaces and parentheses
// escaped.
func mdLink(p string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29").Replace(p)
}
