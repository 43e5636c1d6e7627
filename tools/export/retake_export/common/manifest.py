"""Writes and merges a model pack's manifest.json (schema: src-main/engines/editx/pack/manifest.ts).

Each exporter owns one component entry ("lm", "textTokenizer", …) and merges it into the pack's manifest, so the
stages can be exported one at a time into the same folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict

FORMAT = "retake-editx-pack"
FORMAT_VERSION = 1


def file_entry(pack_dir: str, rel_path: str) -> Dict[str, Any]:
    path = os.path.join(pack_dir, rel_path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"path": rel_path.replace(os.sep, "/"), "sha256": h.hexdigest(), "bytes": os.path.getsize(path)}


def merge(pack_dir: str, name: str, description: str, components: Dict[str, Any], rename: bool = True) -> str:
    """Adds (or replaces) `components` in pack_dir/manifest.json. The pack's name and description are set to these
    unless rename is False and the manifest already has a name (a later part joining a pack keeps its name)."""
    path = os.path.join(pack_dir, "manifest.json")
    manifest: Dict[str, Any] = {}
    if os.path.exists(path):
        with open(path, "r", encoding="utf-8") as f:
            manifest = json.load(f)
        if manifest.get("format") != FORMAT or manifest.get("formatVersion") != FORMAT_VERSION:
            raise RuntimeError(f"{path} is not a {FORMAT} v{FORMAT_VERSION} manifest; remove it or pick another --out")
    manifest["format"] = FORMAT
    manifest["formatVersion"] = FORMAT_VERSION
    if rename or "name" not in manifest:
        manifest["name"] = name
        manifest["description"] = description
    manifest.setdefault("components", {}).update(components)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    return path
