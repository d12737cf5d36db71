"""The teacher's class view: `/class` (a page that polls) and `/class.json` (what it draws).

Plain HTML and a few lines of JavaScript, no framework: every 2 s the page fetches
/class.json and redraws, per step, how many learners are on it or past it, the spread of their
predictions beside the measured answer, and who has not answered. Names are the learners' own
text, so they are set as text, never as markup.
"""

from __future__ import annotations

from aiohttp import web

POLL_MS = 2000

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>neurotui: the class</title>
<style>
body{font-family:sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em} .step{border-top:1px solid #ccc;padding:.5em 0}
.title{font-weight:bold} .prompt{margin:.2em 0} .muted{color:#777}
.row{display:flex;align-items:center;margin:.1em 0} .label{width:16em;text-align:right;padding-right:.6em}
.bar{background:#4a7bd0;height:1em;min-width:1px} .bar.hit{background:#3a9a4a} .n{padding-left:.4em}
.measured{font-weight:bold;color:#3a7a3a} .waiting{color:#a55}
</style></head><body>
<h1>The class</h1><div class="muted">green: predictions judged right against the measured answer</div><div id="summary" class="muted">loading...</div><div id="steps"></div>
<script>
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function draw(data) {
  const n = data.learners.length;
  const answered = data.learners.filter(l => Object.keys(l.answers).length > 0).length;
  document.getElementById("summary").textContent =
    n + " learner" + (n === 1 ? "" : "s") + ", " + answered + " with an answer; updated " +
    new Date().toLocaleTimeString();
  const box = document.getElementById("steps");
  box.replaceChildren();
  for (const s of data.steps) {
    const d = el("div", "step");
    d.appendChild(el("div", "title", "Step " + s.number + ": " + s.title));
    d.appendChild(el("div", "muted", s.on_or_past + " of " + n + " on it or past it" +
      (s.prompt ? ", " + s.answered + " answered" + (s.answered ? " (" + s.right + " right)" : "") : "")));
    if (s.prompt) {
      d.appendChild(el("div", "prompt", s.prompt));
      const most = Math.max(1, ...s.spread.counts);
      s.spread.labels.forEach((label, i) => {
        const row = el("div", "row");
        row.appendChild(el("span", "label", label));
        const bar = el("span", "bar" + (s.spread.right[i] ? " hit" : ""));
        bar.style.width = (20 * s.spread.counts[i] / most) + "em";
        row.appendChild(bar);
        row.appendChild(el("span", "n", String(s.spread.counts[i])));
        d.appendChild(row);
      });
      d.appendChild(s.measured === null ? el("div", "muted", "measured: nobody has answered yet")
                                        : el("div", "measured", "measured: " + s.measured));
      if (s.not_answered.length)
        d.appendChild(el("div", "waiting", "not answered: " + s.not_answered.join(", ")));
    }
    box.appendChild(d);
  }
}
async function poll() {
  try {
    const r = await fetch("class.json", {cache: "no-store"});
    if (r.ok) draw(await r.json());
    else document.getElementById("summary").textContent = "the server said " + r.status;
  } catch (e) {
    document.getElementById("summary").textContent = "the server is not answering; trying again";
  }
  setTimeout(poll, POLL_MS);
}
poll();
</script></body></html>""".replace("POLL_MS", str(POLL_MS))


class ClassView:
    def __init__(self, learners):
        self.learners = learners

    async def handle_page(self, request: web.Request) -> web.Response:
        return web.Response(content_type="text/html", text=PAGE, headers={"Cache-Control": "no-store"})

    async def handle_json(self, request: web.Request) -> web.Response:
        return web.json_response(self.learners.roll.state(), headers={"Cache-Control": "no-store"})
