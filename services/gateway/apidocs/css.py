"""The documentation page's stylesheet, inlined so the page needs no other request."""

from __future__ import annotations

__all__ = ["STYLESHEET"]

STYLESHEET = """
:root { --fg: #1d2125; --muted: #5b6570; --line: #dee2e6; --accent: #0f6cbf;
  --box: #f6f8fa; --read: #2e7d32; --write: #b45309; --dep: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: #fff; }
header { padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--box); }
header h1 { margin: 0; font-size: 1.5rem; }
header p { margin: .25rem 0 0; color: var(--muted); }
header .service { color: var(--fg); font-weight: 600; }
.layout { display: grid; grid-template-columns: 18rem minmax(0, 1fr); }
nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto;
  padding: 1rem; border-right: 1px solid var(--line); font-size: .9rem; }
nav h2 { font-size: 1rem; margin: 0 0 .5rem; }
nav ul { list-style: none; margin: .25rem 0 .5rem; padding-left: .75rem; }
nav li { overflow-wrap: anywhere; }
nav .n { color: var(--muted); }
.filter { width: 100%; margin: 0 0 .5rem; padding: .35rem .5rem; font: inherit;
  border: 1px solid var(--line); border-radius: 4px; }
main { padding: 1rem 1.5rem 3rem; min-width: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.howto { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem;
  margin-bottom: 1.5rem; }
.howto h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
.component h2 { font-size: 1.2rem; border-bottom: 2px solid var(--line); padding-bottom: .25rem;
  margin-top: 2rem; }
details.fn { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
details.fn > summary { cursor: pointer; padding: .5rem .75rem; font-weight: 600; }
details.fn[open] > summary { border-bottom: 1px solid var(--line); background: var(--box); }
.fn-body { padding: .25rem 1rem 1rem; }
.fn-body h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.fn-body h4 { font-size: .95rem; margin: .75rem 0 .25rem; font-weight: 600; }
.arg { border-left: 3px solid var(--line); padding-left: .75rem; margin-bottom: 1rem; }
.req { font-weight: normal; color: var(--muted); }
.desc { white-space: pre-line; }
.warn { color: var(--dep); font-weight: 600; }
.none, .empty { color: var(--muted); font-style: italic; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: .5rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.box { margin: .5rem 0; }
.box h5 { margin: 0 0 .2rem; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
pre { margin: 0; padding: .6rem .75rem; background: var(--box); border: 1px solid var(--line);
  border-radius: 4px; overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo,
  Consolas, monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; font-size: .72rem; font-weight: 600; padding: 0 .4rem;
  border-radius: 999px; border: 1px solid currentColor; vertical-align: middle; }
.badge.read { color: var(--read); }
.badge.write { color: var(--write); }
.badge.deprecated { color: var(--dep); }
[hidden] { display: none !important; }
@media (max-width: 800px) {
  .layout { grid-template-columns: 1fr; }
  nav { position: static; max-height: none; border-right: 0;
    border-bottom: 1px solid var(--line); }
}
@media print {
  nav, .filter { display: none; }
  .layout { display: block; }
}
"""
