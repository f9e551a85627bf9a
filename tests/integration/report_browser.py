#!/usr/bin/python3
"""report_browser.py — opens the HTML report in headless Chromium through the DevTools
protocol and checks what a reader would see:

    /usr/bin/python3 report_browser.py PAGE.html SHOT.png [CHROMIUM]

- the page loads from file:// with no console error, no uncaught exception, and no request
  to anything but the file itself (a self-contained page fetches nothing);
- every inline <svg> chart has drawn geometry (shapes with a non-empty bounding box), and
  there are at least MIN_CHARTS of them;
- a full-page screenshot (PNG) and a print to PDF both come out non-empty.

Exit 0 when all hold, 1 with the reasons otherwise, 77 (meson's "skipped") when Chromium or
python3-websocket (Debian) is missing. Debian's own python3 only: json, urllib, subprocess.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

MIN_CHARTS = 5

# Per chart: its <title>, and how many shapes inside the plot have a non-zero box.
MEASURE = r"""
(() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    let drawn = 0;
    for (const el of svg.querySelectorAll('circle, rect:not(.frame):not(.legend), polyline, line:not(.grid)')) {
      const b = el.getBBox();
      if (b.width > 0 || b.height > 0) drawn++;
    }
    const r = svg.getBoundingClientRect();
    const t = svg.querySelector('title');
    out.push({title: t ? t.textContent : '?', drawn: drawn, w: r.width, h: r.height});
  }
  return JSON.stringify({charts: out, title: document.title, scripts: document.scripts.length});
})()
"""


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    page, shot = os.path.abspath(sys.argv[1]), sys.argv[2]
    chromium = sys.argv[3] if len(sys.argv) > 3 else "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        print(f"SKIP: {chromium} not found (Debian: apt-get install chromium; `make deps-test` does it)")
        return 77
    try:
        import websocket  # Debian: python3-websocket
    except ImportError:
        print("SKIP: python3-websocket missing (Debian: apt-get install python3-websocket)")
        return 77

    profile = tempfile.mkdtemp(prefix="xp-chromium.")
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1280,1600", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    problems = []
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.time() > deadline or proc.poll() is not None:
                print("FAIL: Chromium did not open its DevTools port")
                return 1
            time.sleep(0.1)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        url = next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        ids = iter(range(1, 1 << 30))
        events = []

        def call(method, **params):
            i = next(ids)
            ws.send(json.dumps({"id": i, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == i:
                    if "error" in msg:
                        raise RuntimeError(f"{method}: {msg['error']}")
                    return msg.get("result", {})
                events.append(msg)

        for domain in ("Page", "Runtime", "Log", "Network"):
            call(domain + ".enable")
        call("Page.navigate", url="file://" + page)
        deadline = time.time() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in events):
            if time.time() > deadline:
                problems.append("the page did not finish loading in 30 s")
                break
            events.append(json.loads(ws.recv()))
        res = json.loads(call("Runtime.evaluate", expression=MEASURE, returnByValue=True)["result"]["value"])
        shot_b64 = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        pdf_b64 = call("Page.printToPDF", printBackground=True)["data"]
        ws.settimeout(0.5)   # late events (a console error after load)
        try:
            while True:
                events.append(json.loads(ws.recv()))
        except Exception:
            pass
        ws.close()

        for e in events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                problems.append("uncaught exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                problems.append("console error: " + json.dumps(p.get("args", []))[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                problems.append("log error: " + p["entry"].get("text", "")[:300])
            elif m == "Network.requestWillBeSent":
                u = p.get("request", {}).get("url", "")
                if not (u.startswith("file://") or u.startswith("data:") or u == "about:blank"):
                    problems.append("fetched from the network: " + u)
        charts = res["charts"]
        empty = [c["title"] for c in charts if c["drawn"] == 0 or c["w"] <= 0 or c["h"] <= 0]
        if len(charts) < MIN_CHARTS:
            problems.append(f"only {len(charts)} charts (expected at least {MIN_CHARTS})")
        if empty:
            problems.append("charts with nothing drawn: " + ", ".join(empty))
        if res["scripts"]:
            problems.append(f"{res['scripts']} <script> elements (the page should need none)")
        png = base64.b64decode(shot_b64)
        with open(shot, "wb") as f:
            f.write(png)
        if len(png) < 20000 or png[:8] != b"\x89PNG\r\n\x1a\n":
            problems.append(f"screenshot {shot} looks empty ({len(png)} bytes)")
        pdf = base64.b64decode(pdf_b64)
        if len(pdf) < 10000 or not pdf.startswith(b"%PDF"):
            problems.append(f"print to PDF looks empty ({len(pdf)} bytes)")
        print(f"{len(charts)} charts, {sum(c['drawn'] for c in charts)} shapes drawn; screenshot {shot} "
              f"({len(png)} bytes); PDF {len(pdf)} bytes; {len(events)} DevTools events")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
