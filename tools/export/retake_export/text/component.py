"""The pack's `textTokenizer` manifest entry (schema: src-main/engines/editx/pack/manifest.ts, TextTokenizerSchema).

Besides the file and the ids, it records what the app needs to reproduce the reference's tokenizer calls:
- `normalizerSpec`: the `normalizer_spec` of the real `tokenizer.model` (rule name, dummy prefix, whitespace handling,
  whether a precompiled charsmap is present). The reference's fast tokenizer ignores all of it, sentencepiece applies
  it; recording it shows whether the two agree for this model, and the app checks it against the file it opens.
- `chatTemplate`: the `chat_template` of the published `tokenizer_config.json` (or `chat_template.jinja`) with the
  special-token strings transformers hands to it, copied verbatim when present, never guessed (EDITX-SPEC.md §3,
  the 2026 reference profile renders prompts with it).
- `modelRevision`: the release date of the published weights, when the exporter is told it; it picks the default
  prompt profile.
- `paralinguisticTags`: the tags that revision was trained on (paralinguistic_tags.json beside this module: data, not
  code, since the list and its spellings changed between revisions).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Optional

from sentencepiece import sentencepiece_model_pb2 as sp_pb2

from ..common import manifest as pack_manifest
from ..common.errors import ExportError

TEMPLATE_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token")
REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TAGS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paralinguistic_tags.json")


def paralinguistic_tags(model_revision: Optional[str]) -> list:
    """The tag list of the newest entry of paralinguistic_tags.json that applies to `model_revision` (dates compare
    as text; no revision: the first entry)."""
    with open(TAGS_FILE, encoding="utf-8") as f:
        revisions = json.load(f)["revisions"]
    chosen = revisions[0]
    for r in revisions:
        if r["from"] is not None and model_revision is not None and model_revision >= r["from"]:
            chosen = r
    return list(chosen["tags"])


def paralinguistic_tags_directive() -> Dict[str, Any]:
    """The same choice for a graph template's manifest fragment, made by the app's pack builder once it knows the
    revision: {"$byRevision": [{"from": date or null, "value": tags}, ...]}
    (src-main/engines/editx/pack/build/directives.ts)."""
    with open(TAGS_FILE, encoding="utf-8") as f:
        revisions = json.load(f)["revisions"]
    return {"$byRevision": [{"from": r["from"], "value": list(r["tags"])} for r in revisions]}


def normalizer_spec(model_bytes: bytes) -> Dict[str, Any]:
    proto = sp_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    ns = proto.normalizer_spec
    return {
        "name": ns.name,
        "addDummyPrefix": ns.add_dummy_prefix,
        "removeExtraWhitespaces": ns.remove_extra_whitespaces,
        "escapeWhitespaces": ns.escape_whitespaces,
        "precompiledCharsmap": len(ns.precompiled_charsmap) > 0,
    }


def _token_text(value: Any, key: str, where: str) -> str:
    # transformers writes special tokens either as strings or as AddedToken objects ({"content": ...}).
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    raise ExportError(f"{where}: {key} is neither a string nor a token object with a content string")


def chat_template_from_config(config: Dict[str, Any], where: str, jinja_file: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """The manifest's chatTemplate entry from a parsed tokenizer_config.json, or None when it has no template."""
    template = config.get("chat_template")
    if isinstance(template, list):
        # Several named templates: transformers uses the one called "default" when none is asked for.
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        if "default" not in named:
            raise ExportError(f"{where}: chat_template lists templates {sorted(map(str, named))} but none is \"default\"")
        template = named["default"]
    if template is None and jinja_file is not None and os.path.isfile(jinja_file):
        with open(jinja_file, encoding="utf-8") as f:
            template = f.read()
    if template is None:
        return None
    if not isinstance(template, str) or not template:
        raise ExportError(f"{where}: chat_template is not a non-empty string")
    tokens = {k: _token_text(config[k], k, where) for k in TEMPLATE_TOKENS if config.get(k) is not None}
    return {"template": template, "specialTokens": tokens}


def read_chat_template(src_dir: str) -> Optional[Dict[str, Any]]:
    """chatTemplate from SRC/tokenizer_config.json (falling back to SRC/chat_template.jinja), or None."""
    cfg_path = os.path.join(src_dir, "tokenizer_config.json")
    config: Dict[str, Any] = {}
    if os.path.isfile(cfg_path):
        try:
            with open(cfg_path, encoding="utf-8") as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            raise ExportError(f"{cfg_path} cannot be read as JSON ({e})") from e
    return chat_template_from_config(config, cfg_path, os.path.join(src_dir, "chat_template.jinja"))


def component(out: str, rel_path: str, vocab_size: int, special_ids: Dict[str, int], audio_base: int,
              audio_count: int, chat_template: Optional[Dict[str, Any]] = None,
              model_revision: Optional[str] = None) -> Dict[str, Any]:
    with open(os.path.join(out, rel_path), "rb") as f:
        spec = normalizer_spec(f.read())
    entry: Dict[str, Any] = {
        "kind": "sentencepiece",
        "files": [pack_manifest.file_entry(out, rel_path)],
        "vocabSize": vocab_size,
        "specialIds": special_ids,
        "audioIdBase": audio_base,
        "audioIdCount": audio_count,
        "normalizerSpec": spec,
        "paralinguisticTags": paralinguistic_tags(model_revision),
    }
    if chat_template is not None:
        entry["chatTemplate"] = chat_template
    if model_revision is not None:
        if not REVISION.match(model_revision):
            raise ExportError(f"--model-revision must be a date YYYY-MM-DD (got {model_revision!r})")
        entry["modelRevision"] = model_revision
    return entry
