"""Build the documentation site into `_docs/`: `nbdev_docs` when Quarto is installed, otherwise a static site.

The static site: nbdev's docs processing writes the notebooks to `_proc/` (show_doc, hidden cells, frontmatter,
links), nbconvert renders each one, and every page gets the sidebar of `_quarto.yml` and a local MathJax."""
import html, json, re, shutil, subprocess, sys
from collections import namedtuple
from pathlib import Path

import nbformat, yaml
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbdev.config import get_config

CFG = get_config()
ROOT, NBS, DOCS = CFG.config_path, CFG.nbs_path, CFG.doc_path
PROC, CACHE = ROOT/'_proc', ROOT/'.docs_cache'
SITE_URL = str(CFG.doc_host + CFG.doc_baseurl).rstrip('/')
MATHJAX_CDN = 'https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml-full.js'
MATHJAX_CONFIG = ("window.MathJax = {tex: {inlineMath: [['$','$'], ['\\\\(','\\\\)']], "
                  "displayMath: [['$$','$$'], ['\\\\[','\\\\]']], processEscapes: true}};")
CELL_KEYS = {'code': {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count'},
             'markdown': {'cell_type', 'id', 'metadata', 'source', 'attachments'},
             'raw': {'cell_type', 'id', 'metadata', 'source'}}
OPTION = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')  # a Quarto cell option: `#| echo: false`
FENCE = re.compile(r'^:::+\s*(?:\{([^}]*)\})?\s*$', re.M)  # a Quarto fenced div: `::: {.callout-note}`
LINK_ATTRS = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{[^}]*\}')  # show_doc's `[source](url){target="_blank"}`
MD_LINK = re.compile(r'\[`([^`\]]+)`\]\(([^)\s]+)\)')  # a doc link nbdev writes into a signature's comment: [`name`](url)
FRONTMATTER = re.compile(r'^---\s*\n(.*?)\n---\s*$', re.S)
Page = namedtuple('Page', 'node title description title_removed')  # title_removed: nbdev moved `# title` to frontmatter
SITE_CSS = """
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; }
a { color: #2780e3; text-decoration: none; } a:hover { text-decoration: underline; }
.site-header { display: flex; align-items: baseline; gap: 1.2rem; padding: .7rem 1.5rem; background: #2780e3; color: #fff; }
.site-header a { color: #fff; } .site-title { font-size: 1.3rem; font-weight: 600; }
.site-desc { opacity: .85; font-size: .9rem; flex: 1; } .layout { display: flex; align-items: flex-start; }
.sidebar { flex: 0 0 15rem; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 1rem 1.2rem; }
.sidebar h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #6c757d; margin: 1rem 0 .3rem; }
.sidebar ul { list-style: none; margin: 0; padding: 0; font-size: .92rem; } .sidebar li { margin: .15rem 0; }
.sidebar a.active { font-weight: 600; color: #212529; border-left: 3px solid #2780e3; padding-left: .5rem; }
.content { flex: 1; min-width: 0; max-width: 56rem; padding: 1rem 2rem 4rem; }
.title { margin-bottom: .2rem; } .description { font-style: italic; font-size: 1.2rem; color: #6c757d; margin-top: 0; }
.input_area, .highlight { background: #f7f7f7; border-radius: 4px; } .cell { margin: .8rem 0; }
.highlight pre, .output_area pre { margin: 0; padding: .6rem .8rem; overflow-x: auto; font-size: .88rem; }
.output_area pre { border-left: 2px solid lightsalmon; } .output_area img { max-width: 100%; }
table { border-collapse: collapse; margin: .6rem 0; } th, td { border: 1px solid #dee2e6; padding: .25rem .6rem; }
.source-link { float: right; font-size: .85rem; } .anchor-link { visibility: hidden; margin-left: .3rem; }
h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link { visibility: visible; }
[class^="callout"] { border-left: 4px solid #2780e3; background: #f3f8fe; padding: .2rem 1rem; margin: 1rem 0; }
.callout-warning, .callout-caution, .callout-important { border-color: #ff7518; background: #fff7f0; }
.toc { flex: 0 0 14rem; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding: 1rem 1rem; font-size: .85rem; }
.toc h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #6c757d; margin: 1rem 0 .3rem; }
.toc ul { list-style: none; margin: 0; padding: 0; } .toc li { margin: .15rem 0; } .toc .toc-h3 { padding-left: .8rem; }
.search { position: relative; } .search input { padding: .25rem .5rem; border-radius: 4px; border: 0; width: 14rem; }
#search-results { position: absolute; right: 0; z-index: 10; width: 30rem; max-height: 70vh; overflow-y: auto; background: #fff;
  color: #212529; border: 1px solid #dee2e6; box-shadow: 0 4px 12px rgba(0,0,0,.15); padding: .3rem; }
#search-results a { display: block; color: #212529; padding: .3rem .5rem; border-bottom: 1px solid #f0f0f0; }
#search-results a span { display: block; font-size: .8rem; color: #6c757d; }
@media (max-width: 70rem) { .toc { display: none; } }
"""
SEARCH_JS = r"""
(function () {
  function run(input) {
    const up = input.dataset.up, box = document.getElementById('search-results'), q = input.value.trim().toLowerCase();
    box.innerHTML = '';
    if (q.length < 2) { box.hidden = true; return; }
    const terms = q.split(/\s+/), hits = [];
    for (const p of window.SEARCH_INDEX) {
      const text = p.text.toLowerCase(), title = p.title.toLowerCase();
      if (!terms.every(w => text.includes(w) || title.includes(w))) continue;
      const head = p.heads.find(h => terms.every(w => h[0].toLowerCase().includes(w)));
      const score = terms.reduce((s, w) => s + (title.includes(w) ? 20 : 0) + text.split(w).length - 1, 0) + (head ? 10 : 0);
      const i = Math.max(0, text.indexOf(terms[0]));
      hits.push({p: p, head: head, score: score, snip: p.text.slice(Math.max(0, i - 50), i + 90)});
    }
    hits.sort((a, b) => b.score - a.score);
    for (const h of hits.slice(0, 12)) {
      const a = document.createElement('a'), b = document.createElement('b'), s = document.createElement('span');
      a.href = up + h.p.url + (h.head ? '#' + h.head[1] : '');
      b.textContent = h.p.title + (h.head ? ' › ' + h.head[0] : ''); s.textContent = '… ' + h.snip + ' …';
      a.appendChild(b); a.appendChild(s); box.appendChild(a);
    }
    if (!hits.length) box.textContent = 'No page mentions “' + q + '”.';
    box.hidden = false;
  }
  document.addEventListener('DOMContentLoaded', function () {
    const input = document.getElementById('search');
    if (!input) return;
    input.addEventListener('input', function () { run(input); });
    const q = new URLSearchParams(location.search).get('q');   // `page.html?q=words` opens with the results shown
    if (q) { input.value = q; run(input); }
  });
})();
"""


def html_name(rel):
    "Site path of the notebook at `rel` without its number prefix, as nbdev names it: `02_bottleneck.ipynb` -> `bottleneck.html`."
    rel = Path(rel)
    return (rel.parent/re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower())).with_suffix('.html').as_posix()


def process_notebooks():
    "Run `nbdev_proc_nbs`'s processing of `nbs/` into `_proc/`, without its Quarto install and sidebar.yml."
    from nbdev.serve import proc_nbs
    try: proc_nbs(NBS, force=True)
    except Exception as e:
        cause = str(e.__cause__ or '').split('The above exception was the direct cause')[0].strip().splitlines()[-1:]
        sys.exit(f'error: nbdev_proc_nbs failed: {e}\n{"".join(cause)}\nnbdev runs the import, export and show_doc '
                 'cells of a notebook on their own to build its docs: keep imports in cells of their own.')


def cell_options(source):
    "The Quarto `#|` options at the top of a code cell, and the source without them."
    lines, opts = source.splitlines(), {}
    while lines and (m := OPTION.match(lines[0])): opts[m[1].lower()] = m[2].strip('"\'').lower(); lines.pop(0)
    return opts, '\n'.join(lines)


def quarto_md(md):
    "Turn Quarto fenced divs and Pandoc link attributes into HTML that the markdown renderer keeps."
    def div(m):
        if m[1] is None: return '\n\n</div>\n\n'
        return f'\n\n<div class="{" ".join(c[1:] for c in m[1].split() if c[0] == ".")}">\n\n'
    return LINK_ATTRS.sub(r'<a class="source-link" href="\2">\1</a>', FENCE.sub(div, md))


def clean_cell(cell):
    "Keep only the keys nbformat allows and apply `include`/`echo`/`output`; None if nothing would show."
    kind, src = cell.get('cell_type'), ''.join(cell.get('source') or '')
    if kind not in CELL_KEYS or not src.strip(): return None
    cell = {k: v for k, v in cell.items() if k in CELL_KEYS[kind]} | {'metadata': {}, 'source': src}
    if kind == 'markdown': cell['source'] = quarto_md(src)
    if kind != 'code': return cell
    opts, cell['source'] = cell_options(src)
    if opts.get('include') == 'false': return None
    if opts.get('output') == 'false': cell['outputs'] = []
    for o in cell['outputs']:
        if 'text/markdown' in o.get('data', {}): o['data']['text/markdown'] = quarto_md(''.join(o['data']['text/markdown']))
    if opts.get('echo') == 'false' or not cell['source'].strip():
        if not cell['outputs']: return None
        cell['metadata']['transient'] = {'remove_source': True}  # nbconvert's templates then skip the input
    return cell


def frontmatter(cell):
    "The YAML frontmatter match of a raw cell, as nbdev's FrontmatterProc writes it, or None."
    return cell['cell_type'] == 'raw' and FRONTMATTER.match(''.join(cell['source']).strip()) or None


def load_page(path):
    "Read a processed notebook as a `Page` whose notebook nbconvert accepts."
    nb = json.loads(path.read_text(encoding='utf-8'))
    fm = next((yaml.safe_load(m[1]) or {} for c in nb['cells'] if (m := frontmatter(c))), {})
    cells, minor = [c for c in map(clean_cell, nb['cells']) if c and not frontmatter(c)], nb.get('nbformat_minor', 5)
    for i, c in enumerate(cells if minor >= 5 else []): c.setdefault('id', f'cell-{i}')
    meta = {k: v for k, v in nb.get('metadata', {}).items() if k in ('kernelspec', 'language_info')}
    node = nbformat.reads(json.dumps({'nbformat': 4, 'nbformat_minor': minor, 'metadata': meta, 'cells': cells}), 4)
    nbformat.validate(node)
    h1 = next((m[1] for c in cells if c['cell_type'] == 'markdown' and (m := re.search(r'^#\s+(.+?)\s*$', c['source'], re.M))), None)
    return Page(node, str(fm.get('title') or h1 or path.stem), str(fm.get('description', '')), 'title' in fm)


def sidebar_entries(items):
    "Resolve `website.sidebar.contents` to `[(section or None, [notebooks in _proc])]`, warning about missing ones."
    res = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict) and 'section' in item:
            res.append((item['section'], [p for _, ps in sidebar_entries(item.get('contents', [])) for p in ps]))
            continue
        ref = (item.get('href') or item.get('file') or item.get('auto')) if isinstance(item, dict) else item
        if not isinstance(ref, str) or re.match(r'^\w+:', ref): continue
        pattern = f'{ref.rstrip("/")}/*.ipynb' if (PROC/ref).is_dir() or ref.endswith('/') else ref
        found = sorted(p for p in PROC.glob(pattern) if p.suffix == '.ipynb' and not p.name.startswith(('_', '.')))
        if not found: print(f'warning: sidebar entry {ref!r} of _quarto.yml matches no notebook; left out')
        res.append((None, found))
    return res


def sidebar_html(sections, titles, here, up):
    "The sidebar for the page `here`, its links relative to that page (`up` leads back to the site root)."
    out = ''
    for name, pages in sections:
        links = ''.join(f'<li><a href="{up}{html_name(p.relative_to(PROC))}"{" class=active" if p == here else ""}>'
                        f'{titles[p]}</a></li>' for p in pages if p in titles)
        if links: out += f'<div class="section">{f"<h3>{html.escape(name)}</h3>" if name else ""}<ul>{links}</ul></div>'
    return out


def fix_links(soup, src, out):
    "Point notebook and site-url links at the local pages, and copy the images a page shows next to it."
    rel_dir = src.parent.relative_to(PROC)
    for a in soup.find_all('a', href=True):
        if a['href'].startswith(SITE_URL + '/'):
            a['href'] = '../' * len(rel_dir.parts) + (a['href'][len(SITE_URL) + 1:] or 'index.html')
        elif not re.match(r'^(\w+:|#|/)', a['href']) and '.ipynb' in a['href']:
            path, hash_, anchor = a['href'].partition('#')
            a['href'] = html_name(path) + hash_ + anchor
    for img in soup.find_all('img', src=True):
        if re.match(r'^(\w+:|/|#)', img['src']): continue
        found = next((d/img['src'] for d in (src.parent, NBS/rel_dir) if (d/img['src']).is_file()), None)
        if found is None: print(f'warning: {src.relative_to(PROC)}: image {img["src"]} not found'); continue
        (out.parent/img['src']).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(found, out.parent/img['src'])


def local_url(url, rel_dir):
    "`url` of the published site or of the repository's source, as a link from a page in `rel_dir` to the local copy."
    up = '../' * len(rel_dir.parts)
    if url.startswith(SITE_URL + '/'): return up + (url[len(SITE_URL) + 1:] or 'index.html')
    src = f"{str(CFG.git_url).rstrip('/')}/blob/{CFG.branch}/"
    return up + '../' + url[len(src):] if url.startswith(src) else url   # the source file in the repository the site was built from


def link_signatures(soup, rel_dir):
    "Turn the Markdown doc links nbdev writes into the comments of signatures into HTML links; point source links at the local files."
    for span in soup.select('.highlight span.c1'):
        text = span.string
        if not text or not MD_LINK.search(text): continue
        span.clear(); pos = 0
        for m in MD_LINK.finditer(text):
            a = soup.new_tag('a', href=local_url(m[2], rel_dir)); a.string = m[1]
            span.append(text[pos:m.start()]); span.append(a); pos = m.end()
        span.append(text[pos:])
    for a in soup.select('a.source-link[href]'): a['href'] = local_url(a['href'], rel_dir)


def headings(soup):
    "`(level, id, text)` of the page's h2 and h3 headings that have an id."
    return [(h.name, h['id'], h.get_text(' ', strip=True).rstrip('¶').strip()) for h in soup.find_all(['h2', 'h3']) if h.get('id')]


def toc_html(soup):
    "The page's table of contents: its h2 and h3 headings."
    items = ''.join(f'<li class="toc-{n}"><a href="#{html.escape(i, quote=True)}">{html.escape(t)}</a></li>' for n, i, t in headings(soup))
    return f'<nav class="toc"><h3>On this page</h3><ul>{items}</ul></nav>' if items else ''


def search_entry(soup, url, title):
    "The search index's record of a page: its site path, title, headings and text."
    text = ' '.join(soup.get_text(' ', strip=True).replace('¶', ' ').split())
    return dict(url=url, title=html.unescape(title), heads=[[t, i] for _, i, t in headings(soup)], text=text[:40000])


def mathjax_copy():
    "Copy MathJax 3 to `_docs/mathjax/`, installed with npm into `.docs_cache/` if needed; its site path, or the CDN URL."
    es5s, npm = [ROOT/'node_modules/mathjax/es5', CACHE/'node_modules/mathjax/es5'], None
    if not any((d/'tex-chtml-full.js').exists() for d in es5s) and shutil.which('npm'):
        npm = subprocess.run(['npm', 'install', '--no-save', '--no-audit', '--no-fund', '--prefix', str(CACHE), 'mathjax@3'],
                             capture_output=True, text=True)
    es5 = next((d for d in es5s if (d/'tex-chtml-full.js').exists()), None)
    if es5 is None:
        why = (npm.stderr.strip().splitlines() or ['npm failed'])[-1] if npm else 'npm not found'
        print(f'warning: MathJax not installed ({why}); pages load it from {MATHJAX_CDN}')
        return MATHJAX_CDN
    (DOCS/'mathjax').mkdir(parents=True)
    shutil.copy2(es5/'tex-chtml-full.js', DOCS/'mathjax')
    for d in ('a11y', 'adaptors', 'input', 'output', 'sre', 'ui'): shutil.copytree(es5/d, DOCS/'mathjax'/d)  # loaded on demand
    return 'mathjax/tex-chtml-full.js'


def page_html(page, body, sidebar, up, mathjax, site, toc=''):
    "A whole page: header with the search box, sidebar, the page's title and content, its table of contents, MathJax."
    name, title, desc, site_desc = map(html.escape, (site.get('title', ''), page.title, page.description, site.get('description', '')))
    desc = re.sub(r'`([^`]+)`', r'<code>\1</code>', desc)
    head = f'<h1 class="title">{title}</h1>' + (f'<p class="description">{desc}</p>' if desc else '') if page.title_removed else ''
    return f'''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – {name}</title><link rel="stylesheet" href="{up}site.css">
<script>{MATHJAX_CONFIG}</script><script defer src="{mathjax if mathjax.startswith('http') else up + mathjax}"></script>
<script src="{up}search_index.js"></script><script src="{up}search.js"></script></head>
<body><header class="site-header"><a class="site-title" href="{up}index.html">{name}</a><span class="site-desc">{site_desc}</span>
<div class="search"><input id="search" type="search" placeholder="Search" aria-label="Search the site" data-up="{up}"><div id="search-results" hidden></div></div></header>
<div class="layout"><nav class="sidebar">{sidebar}</nav><main class="content">{head}{body}</main>{toc}</div></body></html>
'''


def build_offline():
    "Process the notebooks and render every one of them into `_docs/`, each page with the site's sidebar."
    from pygments.formatters import HtmlFormatter
    process_notebooks()
    shutil.rmtree(DOCS, ignore_errors=True); DOCS.mkdir(parents=True)
    (DOCS/'site.css').write_text(SITE_CSS + HtmlFormatter(style='default').get_style_defs('.highlight'))
    site, mathjax = yaml.safe_load((PROC/'_quarto.yml').read_text())['website'], mathjax_copy()
    (DOCS/'search.js').write_text(SEARCH_JS)
    pages, failed, index = {}, [], []
    for p in sorted(p for p in PROC.rglob('*.ipynb') if not any(s[0] in '_.' for s in p.relative_to(PROC).parts)):
        try: pages[p] = load_page(p)
        except Exception as e: failed.append(f'{p.relative_to(PROC)}: {type(e).__name__}: {e}')
    sections = sidebar_entries(site.get('sidebar', {}).get('contents', []))
    for p in sorted(set(pages) - {p for _, ps in sections for p in ps}): print(f'warning: {p.relative_to(PROC)} is not in the sidebar')
    titles = {p: html.escape(page.title) for p, page in pages.items()}
    exporter = HTMLExporter(template_name='basic', exclude_input_prompt=True, exclude_output_prompt=True)
    for p, page in pages.items():
        rel = p.relative_to(PROC)
        out, up = DOCS/html_name(rel), '../' * (len(rel.parts) - 1)
        try:
            soup = BeautifulSoup(exporter.from_notebook_node(page.node)[0], 'html.parser')
            out.parent.mkdir(parents=True, exist_ok=True)
            fix_links(soup, p, out)
            link_signatures(soup, rel.parent)
            out.write_text(page_html(page, str(soup), sidebar_html(sections, titles, p, up), up, mathjax, site, toc_html(soup)), encoding='utf-8')
            index.append(search_entry(soup, html_name(rel), titles[p]))
            print(f'{rel!s:40} -> {out.relative_to(ROOT)!s:40} {page.title!r} ({len(page.node.cells)} cells)')
        except Exception as e: failed.append(f'{rel}: {type(e).__name__}: {e}')
    (DOCS/'search_index.js').write_text('window.SEARCH_INDEX = ' + json.dumps(index, ensure_ascii=False) + ';\n', encoding='utf-8')
    if failed: sys.exit('error: these pages failed to render:\n  ' + '\n  '.join(failed))
    if not (DOCS/'index.html').exists():
        print('warning: no nbs/index.ipynb; _docs/index.html is a placeholder with only the sidebar')
        stub = Page(None, site.get('title', ''), site.get('description', ''), True)
        (DOCS/'index.html').write_text(page_html(stub, '', sidebar_html(sections, titles, None, ''), '', mathjax, site), encoding='utf-8')
    print(f'Site: {DOCS/"index.html"}')


if __name__ == '__main__':
    if shutil.which('quarto'):
        nbdev_docs = Path(sys.executable).with_name('nbdev_docs')
        sys.exit(subprocess.run([str(nbdev_docs) if nbdev_docs.exists() else 'nbdev_docs'], cwd=ROOT).returncode)
    build_offline()
