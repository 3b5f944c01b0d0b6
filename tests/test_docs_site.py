"""The documentation site as a reader sees it: built once with `tools/build_docs.py` (what `make docs` runs), then
opened from `_docs/index.html` in headless Chromium, every sidebar link followed, math and images checked, and
screenshots of three pages saved in `_docs_screenshots/`. Without Chromium the browser tests skip, saying why."""
import json, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse
from urllib.request import url2pathname

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
NBS, DOCS, SHOTS = ROOT/'nbs', ROOT/'_docs', ROOT/'_docs_screenshots'
SHOT_PAGES = ('index.html', 'bottleneck.html', 'growth.html')  # pages photographed into SHOTS
MATH_PAGE = 'bottleneck.html'                                   # a page that must show typeset math
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--hide-scrollbars',
                  '--virtual-time-budget=10000']  # time for MathJax to typeset before the DOM is read
NO_BROWSER = 'Chromium not found on PATH (Debian: `apt-get install chromium`): the docs site was not checked in a browser'


def html_name(nb:str) -> str:
    "Site path of a notebook, as nbdev names it: `02_bottleneck.ipynb` -> `bottleneck.html`."
    p = Path(nb)
    return (p.parent/re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.name.lower())).with_suffix('.html').as_posix()


def site_notebooks(pattern:str='**/*.ipynb') -> list[Path]:
    "Notebooks of `nbs/` matching `pattern` that become pages (names starting with `_` or `.` do not)."
    return [p for p in NBS.glob(pattern) if not any(s.startswith(('_', '.')) for s in p.relative_to(NBS).parts)]


def listed_pages() -> set[str]:
    "Site paths of the notebooks that `_quarto.yml`'s sidebar lists and that exist in `nbs/`."
    entries = re.findall(r'''^\s*(?:-|contents:)\s*["']?([\w./*-]+\.ipynb)["']?\s*$''', (ROOT/'_quarto.yml').read_text(), re.M)
    return {html_name(p.relative_to(NBS).as_posix()) for e in entries for p in site_notebooks(e)}


def sidebar(soup:BeautifulSoup):
    "The page's sidebar element (the offline site's `nav.sidebar`, Quarto's `#quarto-sidebar`), or None."
    return soup.select_one('nav.sidebar, #quarto-sidebar')


def sidebar_targets(soup:BeautifulSoup, url:str) -> dict[str, str]:
    "Absolute URL (without #fragment) of every local link in the page's sidebar, to the link text."
    nav = sidebar(soup)
    links = nav.find_all('a', href=True) if nav else []
    return {urldefrag(urljoin(url, a['href']))[0]: a.get_text(strip=True) for a in links
            if urlparse(urljoin(url, a['href'])).scheme == 'file'}


def url_path(url:str) -> Path: return Path(url2pathname(urlparse(url).path))
def page_url(path:Path) -> str: return path.resolve().as_uri()


def broken_images(soup:BeautifulSoup, url:str) -> list[str]:
    "The `src` of every <img> that is neither a data: URI with content nor an existing local file."
    bad = []
    for img in soup.find_all('img'):
        src = (img.get('src') or '').strip()
        if src.startswith('data:'):
            if not src.partition(',')[2].strip(): bad.append(f'{src[:40]} (empty data URI)')
            continue
        target = urljoin(url, src)
        if not src or urlparse(target).scheme != 'file': bad.append(f'{src!r} (not a local file: the site must work offline)')
        elif not url_path(target).is_file(): bad.append(f'{src!r} (no file {url_path(target)})')
    return bad


def raw_math(soup:BeautifulSoup) -> list[str]:
    "Text of the markdown cells that still holds TeX delimiters after MathJax ran (code excluded)."
    out = []
    for cell in soup.select('.text_cell_render, .jp-RenderedMarkdown'):
        for t in cell.find_all(string=True):
            if t.find_parent(['code', 'pre', 'script', 'style', 'mjx-container']) is None and re.search(r'\$|\\\(|\\\[', t):
                out.append(t.strip()[:80])
    return out


@pytest.fixture(scope='module')
def site() -> Path:
    "The site, built once for this module the way `make docs` builds it."
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py')], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f'building the docs failed (make docs):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    assert (DOCS/'index.html').is_file(), 'the docs build wrote no _docs/index.html'
    return DOCS


@pytest.fixture(scope='module')
def browser() -> str:
    "Path of a Chromium executable; the test skips, with the reason printed, when there is none."
    exe = next((p for b in BROWSERS if (p := shutil.which(b))), None)
    if exe is None:
        print(NO_BROWSER)
        pytest.skip(NO_BROWSER)
    return exe


def chromium(exe:str, *args:str) -> subprocess.CompletedProcess:
    "Run headless Chromium once, with a fresh profile."
    with tempfile.TemporaryDirectory(prefix='chromium-', ignore_cleanup_errors=True) as profile:
        return subprocess.run([exe, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *args],
                              capture_output=True, text=True, timeout=120)


def dump_dom(exe:str, url:str) -> BeautifulSoup:
    "The page's DOM after it loaded and its scripts (MathJax) ran."
    r = chromium(exe, '--dump-dom', url)
    assert r.returncode == 0 and r.stdout.strip(), f'Chromium could not load {url}:\n{r.stderr[-2000:]}'
    return BeautifulSoup(r.stdout, 'html.parser')


@pytest.fixture(scope='module')
def rendered(browser, site) -> dict[str, BeautifulSoup]:
    "The DOM, as Chromium rendered it, of `index.html` and of every existing page its sidebar links to."
    index = page_url(site/'index.html')
    doms = {index: dump_dom(browser, index)}
    targets = [u for u in sidebar_targets(doms[index], index) if u != index and url_path(u).is_file()]
    with ThreadPoolExecutor(2) as pool: doms |= dict(zip(targets, pool.map(lambda u: dump_dom(browser, u), targets)))
    return doms


def test_every_notebook_in_sidebar():
    "Every notebook that becomes a page is listed in `_quarto.yml`'s sidebar, or no reader would find it."
    listed = {p for e in re.findall(r'[\w./*-]+\.ipynb', (ROOT/'_quarto.yml').read_text()) for p in site_notebooks(e)}
    unlisted = sorted(p.relative_to(NBS).as_posix() for p in set(site_notebooks()) - listed)
    assert not unlisted, f'notebooks missing from the sidebar of _quarto.yml: {unlisted}'


def test_site_pages_and_links(site):
    "Every page of the sidebar is built and shows the same sidebar; the links and images of every page resolve."
    index = page_url(site/'index.html')
    targets = sidebar_targets(BeautifulSoup((site/'index.html').read_text(encoding='utf-8'), 'html.parser'), index)
    linked = {url_path(u).relative_to(site.resolve()).as_posix() for u in targets if url_path(u).is_relative_to(site.resolve())}
    missing = sorted(listed_pages() - linked)
    assert not missing, f'pages listed in _quarto.yml but not linked from the sidebar of index.html: {missing}'
    dead = sorted(f'{text!r} -> {u}' for u, text in targets.items() if not url_path(u).is_file())
    assert not dead, 'sidebar links to missing pages (404):\n  ' + '\n  '.join(dead)
    problems = []
    for u in targets:
        soup = BeautifulSoup(url_path(u).read_text(encoding='utf-8'), 'html.parser')
        if set(sidebar_targets(soup, u)) != set(targets): problems.append(f'{url_path(u).name}: its sidebar differs from index.html')
        problems += [f'{url_path(u).name}: broken image {b}' for b in broken_images(soup, u)]
        problems += [f'{url_path(u).name}: link {a["href"]!r} leads to no file (404)' for a in soup.find_all('a', href=True)
                     if urlparse(t := urldefrag(urljoin(u, a['href']))[0]).scheme == 'file' and not url_path(t).exists()]
    assert not problems, '\n'.join(problems)


def test_sidebar_pages_load_in_browser(rendered):
    "Every page the sidebar leads to loads in Chromium with its sidebar, its content and no broken image."
    problems = []
    for url, soup in rendered.items():
        name = url_path(url).name
        if soup.select_one('body.neterror, #main-frame-error'): problems.append(f'{name}: Chromium shows an error page'); continue
        if not sidebar_targets(soup, url): problems.append(f'{name}: no sidebar links')
        main = soup.select_one('main, #quarto-document-content')
        if main is None or not main.get_text(strip=True): problems.append(f'{name}: empty page')
        problems += [f'{name}: broken image {b}' for b in broken_images(soup, url)]
    assert len(rendered) > 1, 'the sidebar of index.html links to no other page'
    assert not problems, '\n'.join(problems)


def test_math_typeset(rendered, site):
    "MathJax typeset the math of the bottleneck page, and reported no TeX error on any page."
    math = rendered.get(page_url(site/MATH_PAGE))
    assert math is not None, f'{MATH_PAGE} is not reachable from the sidebar of index.html'
    assert math.find('mjx-container'), f'no typeset math (mjx-container) on {MATH_PAGE}: MathJax did not run'
    left = raw_math(math)
    assert not left, f'TeX left untypeset on {MATH_PAGE}: {left[:5]}'
    errors = [f'{url_path(u).name}: {e.get("data-mjx-error") or e.get_text(strip=True)[:80]}'
              for u, soup in rendered.items() for e in soup.find_all('mjx-merror')]
    assert not errors, 'MathJax could not typeset:\n  ' + '\n  '.join(errors)


def test_screenshots(browser, site):
    "Screenshots of three pages, for a person to look at, in `_docs_screenshots/`."
    SHOTS.mkdir(exist_ok=True)
    def shoot(name):
        out = SHOTS/name.replace('.html', '.png')
        out.unlink(missing_ok=True)
        r = chromium(browser, f'--screenshot={out}', '--window-size=1280,1600', page_url(site/name))
        return name, out, r
    with ThreadPoolExecutor(2) as pool: shots = list(pool.map(shoot, SHOT_PAGES))
    for name, out, r in shots:
        assert out.is_file(), f'no screenshot of {name}:\n{r.stderr[-2000:]}'
        png = out.read_bytes()
        assert png[:8] == b'\x89PNG\r\n\x1a\n' and int.from_bytes(png[16:20], 'big') == 1280, f'{out} is not a 1280-wide PNG'
        assert len(png) > 20_000, f'{out} is almost empty ({len(png)} bytes): the page looks blank'


def site_pages(site:Path) -> list[Path]:
    return sorted(f for f in site.rglob('*.html') if 'mathjax' not in f.relative_to(site).parts)


def test_contents_and_signature_links(site):
    "Every page with headings has a table of contents that reaches them; signatures link names in HTML, not in raw Markdown; no link leads to the placeholder repository."
    problems = []
    for f in site_pages(site):
        soup = BeautifulSoup(f.read_text(encoding='utf-8'), 'html.parser')
        ids = {t['id'] for t in soup.find_all(id=True)}
        toc = soup.select('nav.toc a[href^="#"]')
        if soup.select('main h2[id], main h3[id]') and not toc: problems.append(f'{f.name}: headings but no table of contents')
        problems += [f'{f.name}: contents link {a["href"]} reaches no heading' for a in toc if a['href'][1:] not in ids]
        problems += [f'{f.name}: Markdown link in a signature: {s.get_text()[:70]}' for s in soup.select('.highlight span.c1')
                     if re.search(r'\]\(\S+\)', s.get_text())]
        problems += [f'{f.name}: link to {a["href"]}' for a in soup.find_all('a', href=True) if 'github.com/growing-nets' in a['href']]
    assert not problems, '\n'.join(problems[:20])
    pairs = BeautifulSoup((site/'pairs.html').read_text(encoding='utf-8'), 'html.parser')
    assert pairs.select('.highlight span.c1 a[href]') or pairs.select('a.source-link[href^="../growing_nets/"]')


def test_search_index(site):
    "The search index holds every page, with its headings; every page loads it and shows the search box."
    text = (site/'search_index.js').read_text(encoding='utf-8')
    index = json.loads(text[text.index('=') + 1:].strip().rstrip(';'))
    urls = {e['url'] for e in index}
    pages = {f.relative_to(site).as_posix() for f in site_pages(site)}
    assert pages <= urls, f'pages missing from the search index: {sorted(pages - urls)}'
    assert any(h[0] == 'Rows' for e in index if e['url'] == 'pairs.html' for h in e['heads'])
    for f in site_pages(site):
        soup = BeautifulSoup(f.read_text(encoding='utf-8'), 'html.parser')
        assert soup.select_one('input#search') and soup.find('script', src=re.compile(r'search_index\.js$')), f'{f.name}: no search'


def test_search_in_browser(browser, site):
    "A search from a page lists the pages that mention the words, with links that lead to them."
    url = page_url(site/'index.html') + '?q=expressivity+bottleneck'
    soup = dump_dom(browser, url)
    hits = soup.select('#search-results a[href]')
    assert hits, 'the search for "expressivity bottleneck" found nothing'
    assert any('bottleneck.html' in a['href'] for a in hits), [a['href'] for a in hits]
    assert all(url_path(urldefrag(urljoin(url, a['href']))[0]).is_file() for a in hits)
