package traces

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// writeHTML is one self-contained page (no network, no server): the
// sequence diagram drawn as inline SVG by this package, the steps to click
// or walk through with the arrow keys, each step's changed fields and full
// state, and the property that failed. A URL fragment #step=N opens the page
// at step N.
func (d *Document) writeHTML(w io.Writer) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	// Inside <script>, "</" must not appear literally.
	js := strings.ReplaceAll(string(data), "</", `<\/`)
	var b strings.Builder
	fmt.Fprintf(&b, htmlHead, html.EscapeString(d.Scenario+": "+d.Property))
	fmt.Fprintf(&b, `<h1>%s</h1><p class="verdict">%s</p>`, html.EscapeString(d.Scenario+": "+d.Property+" ("+d.Kind+")"), html.EscapeString(d.Explain()))
	b.WriteString(`<div class="nav"><button id="prev">&larr; previous</button> <span>step <b id="current">0</b> of ` +
		fmt.Sprint(len(d.Steps)-1) + `</span> <button id="next">next &rarr;</button></div>`)
	b.WriteString(`<div class="main"><div class="diagram">`)
	d.writeSVG(&b)
	b.WriteString(`</div><div class="panel"><h2 id="title"></h2><p id="observed"></p><ul id="messages"></ul><h3>changed</h3><table id="changed"></table><h3>state</h3><table id="state"></table></div></div>`)
	fmt.Fprintf(&b, "<script>const trace = %s;\n%s</script></body></html>\n", js, htmlScript)
	_, err = io.WriteString(w, b.String())
	return err
}

// writeSVG draws the sequence diagram: a lane per agent and one for the
// shared state, an arrow per step from its agent to the state, then a
// dashed arrow per message between agents (a fence signalled to its
// waiter); the lasso's loop is bracketed.
func (d *Document) writeSVG(b *strings.Builder) {
	lanes := append(append([]string(nil), d.Actors...), "shared state")
	const laneW, rowH, top, left = 150, 34, 50, 20
	// rows[i] is the row of step i's arrow; its messages take the rows
	// after it.
	rows := make([]int, len(d.Steps))
	n := 0
	for i, s := range d.Steps {
		rows[i] = n
		n += 1 + len(s.Messages)
	}
	width := left*2 + laneW*len(lanes) + 280 // room for the labels right of the last lane
	height := top + rowH*n + 20
	x := func(i int) int { return left + laneW*i + laneW/2 }
	lane := func(name string) int {
		for i, l := range d.Actors {
			if l == name {
				return i
			}
		}
		return len(lanes) - 1
	}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" font-size="11">`, width, height)
	b.WriteString(`<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="3" orient="auto"><path d="M0,0 L7,3 L0,6 z" fill="#333"/></marker>` +
		`<marker id="signal" markerWidth="8" markerHeight="8" refX="7" refY="3" orient="auto"><path d="M0,0 L7,3 L0,6 z" fill="#06c"/></marker></defs>`)
	for i, l := range lanes {
		fmt.Fprintf(b, `<text x="%d" y="20" text-anchor="middle" font-weight="bold">%s</text>`, x(i), html.EscapeString(l))
		fmt.Fprintf(b, `<line x1="%d" y1="28" x2="%d" y2="%d" stroke="#bbb" stroke-dasharray="4,3"/>`, x(i), x(i), height-10)
	}
	stateLane := len(lanes) - 1
	if d.Loop >= 0 && !d.Stutter && d.Loop < len(d.Steps)-1 {
		y0, y1 := top+rowH*rows[d.Loop+1]-rowH/2-4, top+rowH*(n-1)+rowH/2-10
		fmt.Fprintf(b, `<rect x="4" y="%d" width="%d" height="%d" fill="none" stroke="#a60" stroke-width="1.5"/><text x="8" y="%d" fill="#a60">loop forever</text>`,
			y0, width-8, y1-y0, y0+12)
	}
	short := func(label string) string {
		if len(label) > 70 {
			label = label[:67] + "..."
		}
		return html.EscapeString(label)
	}
	for _, s := range d.Steps[1:] {
		y := top + rowH*rows[s.Index]
		from := stateLane
		if s.Actor != "" {
			from = lane(s.Actor)
		}
		fmt.Fprintf(b, `<g class="step" id="step-%d" data-step="%d">`, s.Index, s.Index)
		fmt.Fprintf(b, `<rect class="hit" x="0" y="%d" width="%d" height="%d" fill="transparent"/>`, y-rowH+8, width, rowH*(1+len(s.Messages)))
		if from == stateLane {
			fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="4" fill="#333"/>`, x(from), y)
		} else {
			fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" marker-end="url(#arrow)"/>`, x(from), y, x(stateLane)-6, y)
		}
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`, x(min(from, stateLane))+6, y-5, short(fmt.Sprintf("%d. %s", s.Index, s.Label())))
		for k, m := range s.Messages {
			my := y + rowH*(k+1)
			f, t := lane(m.From), lane(m.To)
			dx := 6
			if t < f {
				dx = -6
			}
			fmt.Fprintf(b, `<line class="message" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#06c" stroke-dasharray="5,3" marker-end="url(#signal)"/>`, x(f), my, x(t)-dx, my)
			fmt.Fprintf(b, `<text x="%d" y="%d" fill="#06c">%s</text>`, x(min(f, t))+6, my-5, short(m.From+" → "+m.To+": "+m.Text))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
}

const htmlHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body { font-family: sans-serif; margin: 1em; }
h1 { font-size: 1.2em; } .verdict { color: #a00; font-weight: bold; }
.nav { margin: .5em 0; } button { font-size: 1em; }
.main { display: flex; gap: 1em; align-items: flex-start; }
.diagram { overflow: auto; border: 1px solid #ddd; }
.panel { min-width: 28em; } table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
td { border-bottom: 1px solid #eee; padding: 1px 6px; } td.changed { background: #ffe9a8; }
g.step { cursor: pointer; } g.step.current text { fill: #c00; font-weight: bold; }
g.step.current rect.hit { fill: #fff3c4; }
</style></head><body>
`

const htmlScript = `
let cur = 0;
function row(t, f, changed) {
  const tr = document.createElement('tr');
  const a = document.createElement('td'); a.textContent = f.name;
  const b = document.createElement('td'); b.textContent = f.value;
  if (changed) { a.className = 'changed'; b.className = 'changed'; }
  tr.append(a, b); t.append(tr);
}
function show(i) {
  cur = Math.max(0, Math.min(trace.steps.length - 1, i));
  const s = trace.steps[cur];
  document.getElementById('current').textContent = String(cur);
  let label = s.action || '';
  if (s.actor && label.startsWith(s.actor + ': ')) label = label.slice(s.actor.length + 2);
  let title = cur === 0 ? 'initial state' : cur + '. ' + (s.actor ? s.actor + ': ' : '') + label;
  if (cur === trace.steps.length - 1) title += '  \u2014  ' + trace.property + ' violated';
  document.getElementById('title').textContent = title;
  document.getElementById('observed').textContent = s.observed || '';
  const ml = document.getElementById('messages'); ml.replaceChildren();
  (s.messages || []).forEach(m => { const li = document.createElement('li'); li.textContent = m.from + ' \u2192 ' + m.to + ': ' + m.text; ml.append(li); });
  const changed = new Set((s.changed || []).map(f => f.name));
  const ct = document.getElementById('changed'); ct.replaceChildren();
  (s.changed || []).forEach(f => row(ct, f, true));
  const st = document.getElementById('state'); st.replaceChildren();
  s.state.forEach(f => row(st, f, changed.has(f.name)));
  document.querySelectorAll('g.step').forEach(g => g.classList.toggle('current', Number(g.dataset.step) === cur));
  history.replaceState(null, '', '#step=' + cur);
}
document.getElementById('prev').onclick = () => show(cur - 1);
document.getElementById('next').onclick = () => show(cur + 1);
document.querySelectorAll('g.step').forEach(g => g.onclick = () => show(Number(g.dataset.step)));
document.addEventListener('keydown', e => { if (e.key === 'ArrowRight') show(cur + 1); if (e.key === 'ArrowLeft') show(cur - 1); });
const m = /step=(\d+)/.exec(location.hash);
show(m ? Number(m[1]) : 0);
`
