"""Copy the front-end files commonweal serves from node_modules (installed by npm) into static/vendor."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "commonweal" / "static" / "vendor"

FILES = {
    "nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css": "nhsuk/nhsuk-frontend.min.css",
    "nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js": "nhsuk/nhsuk-frontend.min.js",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "axe-core/axe.min.js": "axe/axe.min.js",
    "cytoscape/dist/cytoscape.min.js": "cytoscape/cytoscape.min.js",
    "vega/build/vega.min.js": "vega/vega.min.js",
    "vega-lite/build/vega-lite.min.js": "vega/vega-lite.min.js",
    "vega-embed/build/vega-embed.min.js": "vega/vega-embed.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
}
# Vega compiles its expressions with `new Function`, which the Content-Security-Policy forbids; its CSP-safe
# interpreter is an ES module that imports vega-util. The vega bundle re-exports vega-util, so the module becomes
# a plain script that takes those names from the global `vega` and sets `window.vegaInterpreter`.
VEGA_INTERPRETER = ("vega-interpreter/build/vega-interpreter.js", "vega/vega-interpreter.js")
VEGA_IMPORT = re.compile(r"^import \{([^}]*)\} from 'vega-util';\s*$", re.MULTILINE)
VEGA_EXPORT = re.compile(r"^export \{ expression as expressionInterpreter \};\s*$", re.MULTILINE)
FOLDERS = {
    "nhsuk-frontend/dist/nhsuk/assets/images": "nhsuk/images",
    "leaflet/dist/images": "leaflet/images",
}

# The NHS.UK stylesheet loads the Frutiger web font from assets.nhs.uk. That font is licensed to NHS
# services, and the Content-Security-Policy (rightly) blocks other origins, so every page would log errors.
# Drop those @font-face rules: the stylesheet's own fallback (Arial, then sans-serif) takes over.
EXTERNAL_FONT_FACE = re.compile(r"@font-face\{[^}]*url\(https?://[^}]*\}")


# Its icons are asked for at /assets/images/ (the NHS.UK site's own layout); ours sit beside the stylesheet.
SITE_ASSETS = re.compile(r"url\(/assets/images/")


def strip_external_fonts(css: str) -> str:
    return EXTERNAL_FONT_FACE.sub("", css)


def local_icons(css: str) -> str:
    return SITE_ASSETS.sub("url(images/", css)


def vega_interpreter_script(module: str) -> str:
    """The vega-interpreter ES module as a browser script over the global ``vega`` (see VEGA_INTERPRETER)."""
    imports, n_imports = VEGA_IMPORT.subn(lambda m: f"const {{{m.group(1)}}} = window.vega;", module)
    body, n_exports = VEGA_EXPORT.subn(
        "window.vegaInterpreter = { expressionInterpreter: expression };", imports
    )
    if n_imports != 1 or n_exports != 1:
        raise SystemExit("vega-interpreter's import or export line changed: update scripts/vendor_assets.py")
    return "(function () {\n'use strict';\n" + body + "\n})();\n"


def main() -> int:
    missing = [src for src in [*FILES, *FOLDERS, VEGA_INTERPRETER[0]] if not (NODE / src).exists()]
    if missing:
        print("Missing npm files (run `npm ci`):", ", ".join(missing), file=sys.stderr)
        return 1
    for src, dst in FILES.items():
        target = VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".css":
            target.write_text(
                local_icons(strip_external_fonts((NODE / src).read_text(encoding="utf-8"))), encoding="utf-8"
            )
        else:
            shutil.copyfile(NODE / src, target)
    for src, dst in FOLDERS.items():
        shutil.copytree(NODE / src, VENDOR / dst, dirs_exist_ok=True)
    src, dst = VEGA_INTERPRETER
    (VENDOR / dst).write_text(
        vega_interpreter_script((NODE / src).read_text(encoding="utf-8")), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
