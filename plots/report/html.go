package report

import (
	"html/template"
	"strings"
)

// writeHTML renders the page as one self-contained HTML document: styles
// inline, figures inline as SVG; links to the PNG, PDF and result files
// are the only references outside it.
func writeHTML(w *strings.Builder, pg *page) error {
	return pageTemplate.Execute(w, pg)
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	// The SVG documents are the figures this package just drew.
	"svg": func(s string) template.HTML { return template.HTML(s) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Experiment}} — cgkalab report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; line-height: 1.45; color: #1a1a1a; background: #fff; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; max-width: 84rem; }
p, ul.notes, figcaption, header { max-width: 52rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; }
.question { font-size: 1.15rem; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 1rem 0; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
nav ul { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; padding: 0; list-style: none; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .88rem; font-variant-numeric: tabular-nums; margin: .5rem 0; }
p.caption { color: #444; margin-bottom: .3rem; }
th, td { padding: .25rem .55rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
thead th { background: #f5f5f5; text-align: right; font-weight: 600; vertical-align: bottom; }
thead th:first-child { text-align: left; }
tbody th { text-align: left; font-weight: 600; white-space: nowrap; }
td { text-align: right; white-space: nowrap; }
table.config td, table.config thead th { text-align: left; white-space: normal; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .4em; vertical-align: -0.05em; }
figure { margin: 1.5rem 0; }
figure svg { display: block; max-width: 48rem !important; }
figcaption { font-size: .9rem; color: #333; max-width: 48rem; }
figcaption .links { color: #666; }
details { margin: .6rem 0; }
summary { cursor: pointer; font-weight: 600; }
.notes li { margin-bottom: .5rem; }
footer { margin-top: 3rem; font-size: .85rem; color: #666; }
</style>
</head>
<body>
<header>
<h1>{{.Experiment}}</h1>
{{with .Question}}<p class="question">{{.}}</p>{{end}}
{{with .Description}}<p class="description">{{.}}</p>{{else}}{{if not .Question}}<p class="description">(The runs record no question or description.)</p>{{end}}{{end}}
<dl class="facts">
{{range .Facts}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>
{{end}}</dl>
<nav><ul>
<li><a href="#settings">Results</a></li>
{{if .Figures}}<li><a href="#figures">Figures</a></li>{{end}}
<li><a href="#statistics">Statistics and censoring</a></li>
<li><a href="#runs">Runs</a></li>
<li><a href="#configuration">Configuration</a></li>
<li><a href="#files">Files</a></li>
</ul></nav>
</header>
<main>
<section id="settings">
<h2>Results</h2>
{{range .Settings}}{{template "table" .}}{{end}}
</section>
{{if .Figures}}<section id="figures">
<h2>Figures</h2>
{{range .Figures}}{{template "figure" .}}{{end}}
</section>{{end}}
<section id="statistics">
<h2>Statistics and censoring</h2>
<ul class="notes">
{{range .Notes}}<li><strong>{{.Topic}}.</strong> {{.Text}}</li>
{{end}}</ul>
</section>
<section id="runs">
<h2>Runs</h2>
{{range .Runs}}{{template "table" .}}{{end}}
{{range .RunFigures}}<details>
<summary>Figures of {{.Run}}</summary>
{{range .Figures}}{{template "figure" .}}{{end}}
</details>
{{end}}
</section>
<section id="configuration">
<h2>Configuration</h2>
<p class="caption">{{.Config.Caption}}</p>
<div class="scroll"><table class="config">
<thead><tr>{{range .Config.Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Config.Rows}}<tr>{{range .}}<td>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
</section>
<section id="files">
<h2>Files</h2>
<p>The result files this report was made from, in this folder; figures under plots/ as SVG, PNG and PDF; report.md is this report in Markdown.</p>
<ul>
{{range .Files}}<li><a href="{{.}}">{{.}}</a></li>
{{end}}</ul>
</section>
</main>
<footer>Written by <code>cgkalab report</code> from the result files alone; the same results give the same report.</footer>
</body>
</html>
{{define "table"}}<p class="caption">{{.Caption}}</p>
<div class="scroll"><table>
<thead><tr>{{range .Head}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{with $c.Color}}<span class="swatch" style="background:{{.}}"></span>{{end}}{{$c.Text}}</th>{{else}}<td>{{$c.Text}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table></div>{{end}}
{{define "figure"}}<figure class="{{.Kind}}">
{{svg .SVG}}
<figcaption>{{.Caption}} <span class="links">({{if .PNG}}<a href="{{.PNG}}">PNG</a>{{end}}{{if .PDF}}, <a href="{{.PDF}}">PDF</a>{{end}})</span></figcaption>
</figure>
{{end}}`))
