/**
 * The console's stylesheet and its one script, served from the Worker's own origin so the pages'
 * CSP can stay `'self'` with no inline code. The script only adds comfort (copy buttons,
 * confirmations); every page works without it.
 */

export const CONSOLE_CSS = `
:root{--ink:#1b1f24;--muted:#59636e;--line:#d8dee4;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;--accent-ink:#fff;--ok:#1a7f37;--bad:#b42318;--warn-bg:#fff8c5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1.25rem;background:var(--card);border-bottom:1px solid var(--line)}
header.top .tenant{font-weight:600;font-size:1.05rem}
header.top .who{color:var(--muted);font-size:.9rem;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;border:1px solid var(--line);background:var(--bg);color:var(--ink)}
.badge.ok{border-color:#a6d9b5;background:#e9f7ee;color:var(--ok)}
.badge.off{border-color:#f1b8b3;background:#fdecea;color:var(--bad)}
.layout{display:grid;grid-template-columns:13rem minmax(0,1fr);gap:1.25rem;max-width:72rem;margin:0 auto;padding:1.25rem}
nav.sections ul{list-style:none;margin:0;padding:0}
nav.sections a{display:block;padding:.45rem .75rem;border-radius:6px;text-decoration:none;color:var(--ink)}
nav.sections a[aria-current=page]{background:var(--accent);color:var(--accent-ink)}
main{min-width:0}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .75rem}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.25rem}
.notice{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;border:1px solid #a6d9b5;background:#e9f7ee}
.problems{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;border:1px solid #f1b8b3;background:#fdecea}
.problems ul{margin:.25rem 0 0;padding-left:1.2rem}
.readonly{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;background:var(--warn-bg);border:1px solid #e8d48a}
form.fields{display:grid;gap:.8rem;max-width:36rem}
label{font-weight:600;display:block}
.hint{font-weight:400;color:var(--muted);font-size:.875rem}
input[type=text],input[type=password],input[type=search],input[type=url],input[type=date],select{width:100%;padding:.45rem .6rem;border:1px solid #8c959f;border-radius:6px;font:inherit;background:#fff;color:var(--ink)}
input:focus-visible,select:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:600}
.check input{margin-top:.3rem}
button{font:inherit;padding:.45rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-ink);cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:#fff;color:var(--bad);border-color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
dl.values{display:grid;grid-template-columns:minmax(10rem,max-content) minmax(0,1fr);gap:.4rem 1rem;margin:0}
dl.values dt{font-weight:600}
dl.values dd{margin:0;display:flex;gap:.5rem;align-items:center;min-width:0}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.875rem;overflow-wrap:anywhere}
pre.mono{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;background:var(--bg);padding:.75rem;border-radius:6px}
.secret{padding:.6rem .8rem;background:var(--bg);border:1px dashed #8c959f;border-radius:6px}
ol.steps{padding-left:1.25rem;margin:0}
ol.steps li{margin-bottom:.35rem}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin-bottom:1rem}
.filters>div{min-width:10rem;flex:1}
.pager{display:flex;justify-content:space-between;margin-top:.75rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:760px){.layout{grid-template-columns:minmax(0,1fr);padding:.75rem}nav.sections ul{display:flex;flex-wrap:wrap;gap:.25rem}dl.values{grid-template-columns:minmax(0,1fr)}}
`;

export const CONSOLE_JS = `
document.querySelectorAll('[data-copy]').forEach(function (button) {
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () { button.textContent = 'Copied'; });
  });
});
document.querySelectorAll('form[data-confirm]').forEach(function (form) {
  form.addEventListener('submit', function (event) { if (!confirm(form.getAttribute('data-confirm'))) event.preventDefault(); });
});
`;
