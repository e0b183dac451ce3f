"""Helpers for driving the annotation page in a real Chromium with Playwright (tests and benchmarks, not the library).

Used by `nbs/09f_browser.ipynb` (flag `browser`) and `bench/widget_latency.py`. Needs Debian's `chromium`
(`apt-get install -y chromium`) and the Python `playwright` package; `playwright install` is not needed.
"""
import time
from pathlib import Path

CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync']
CANVAS_CHECKSUM = """el => { const d = el.getContext('2d').getImageData(0, 0, el.width, el.height).data; let s = 0;
  for (let i = 0; i < d.length; i += 4) s = (s*31 + d[i]*3 + d[i+1]*5 + d[i+2]*7) >>> 0; return s; }"""
# After the next `ev` (mouseup, keydown) on the canvas `el`: the time of the first animation frame after the page
# draws onto `el` again (ipycanvas composes its layers onto the visible canvas with drawImage). Hooking the draw
# call instead of polling a checksum of the pixels every frame keeps the measurement from loading the page;
# `timed` checks afterwards that the pixels did change.
WATCH_REPAINT = """([el, ev]) => { window.__ff = {t0: null, drawn: null, painted: null};
  const ctx = el.getContext('2d');
  if (!ctx.__ff_hooked) { ctx.__ff_hooked = true;
    for (const name of ['drawImage', 'putImageData', 'clearRect']) { const orig = ctx[name];
      ctx[name] = function(...a) { const f = window.__ff;
        if (f && f.t0 !== null && f.drawn === null) { f.drawn = performance.now(); requestAnimationFrame(() => { f.painted = performance.now(); }); }
        return orig.apply(this, a); }; } }
  el.addEventListener(ev, () => { window.__ff.t0 = performance.now(); }, {once: true, capture: true}); }"""

def launch(pw, profile, width=1300, height=1000):
    "A headless Chromium context with a fresh profile folder."
    if not CHROMIUM.is_file(): raise RuntimeError("the browser tests need Debian's chromium: apt-get install -y chromium")
    return pw.chromium.launch_persistent_context(str(profile), executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_FLAGS, viewport={'width': width, 'height': height})

def open_app(ctx, url, timeout=180):
    "Open the page, wait for the editor canvas to show pixels; return (page, editor canvas locator)."
    page = ctx.new_page()
    page.goto(url, timeout=timeout*1000)
    tile = page.locator('canvas.ff-tile'); tile.wait_for(timeout=timeout*1000)
    page.wait_for_function(f"() => {{ const el = document.querySelector('canvas.ff-tile'); return el && ({CANVAS_CHECKSUM})(el) !== 0; }}",
                           timeout=timeout*1000)
    page.wait_for_timeout(500)
    return page, tile

def kernel_id(page):
    "The id of the page's kernel (from Voila's page config)."
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")

def kernel_alive(ctx, url, kid)->bool:
    "Whether the server still has kernel `kid` (GET /api/kernels/<id>: 200 or 404)."
    r = ctx.request.get(f'{url}api/kernels/{kid}')
    if r.status not in (200, 404): raise RuntimeError(f'GET /api/kernels/{kid}: HTTP {r.status}')
    return r.status == 200

def checksum(locator)->int: return locator.evaluate(CANVAS_CHECKSUM)

def timed(page, canvas, event, action, timeout_ms=30000)->float:
    "Run `action()` (which ends with `event` on `canvas`); return the ms from that event to the frame showing the repaint."
    before = checksum(canvas)
    page.evaluate(WATCH_REPAINT, [canvas.element_handle(), event])
    action()
    page.wait_for_function('window.__ff.painted !== null', timeout=timeout_ms)
    ms = page.evaluate('window.__ff.painted - window.__ff.t0')
    page.wait_for_function(f"el => ({CANVAS_CHECKSUM})(el) !== {before}", arg=canvas.element_handle(), timeout=timeout_ms)   # the pixels did change
    return ms

def browser_drag(page, canvas, points, settle_ms:int=300)->float:
    "Drag the mouse along canvas `points` (canvas pixels); return the mouse-up → repaint time in ms."
    box = canvas.bounding_box()
    page.mouse.move(box['x'] + points[0][0], box['y'] + points[0][1]); page.mouse.down()
    for x, y in points[1:]: page.mouse.move(box['x'] + x, box['y'] + y)
    page.wait_for_timeout(settle_ms)          # let the last previews land before timing the repaint
    return timed(page, canvas, 'mouseup', page.mouse.up)

def wait_for(cond, timeout=30., what='condition'):
    "Poll `cond()` until it is true."
    t0 = time.time()
    while not cond():
        if time.time() - t0 > timeout: raise TimeoutError(f'{what}: not met within {timeout} s')
        time.sleep(0.05)
    return time.time() - t0

class Cleanup:
    "Stops what a test started (callables, last first) — at the end, or when a cell fails: `with cleanup.on_error(): ...`."
    def __init__(self): self.stops = []
    def add(self, stop): self.stops.append(stop); return stop
    def __call__(self):
        while self.stops:
            try: self.stops.pop()()
            except Exception: pass
    def on_error(self):
        from contextlib import contextmanager
        @contextmanager
        def guard():
            try: yield
            except BaseException: self(); raise
        return guard()
