"""`python3 -m retake_export COMMAND ...`: one entry for every export job. Each command is a module with a
`main(argv) -> int`; they are imported only when chosen, so a missing optional dependency of one part never breaks
another."""

import importlib
import sys

COMMANDS = {
    "lm": ("retake_export.lm.export", "export the Step1 LM (from a checkpoint, --tiny-random, or --kv-bench)"),
    "lm-check": ("retake_export.lm.checkpoint", "check a Step1 checkpoint's tensors against our model definition"),
    "lm-template": ("retake_export.lm.template", "write the Step1 graph templates the app's pack builder fills (models/templates)"),
    "lm-published": ("retake_export.lm.published", "write a Step1 checkpoint in the published layout (--tiny, or --full random)"),
    "tokenizer": ("retake_export.tokenizer.export",
                  "export the audio tokenizers vq02 + vq06 (from the published folder, or --tiny-random)"),
    "flow": ("retake_export.flow.export", "export the flow (encoder, DiT estimator, speaker projection, noise, CAM++)"),
    "vocoder": ("retake_export.vocoder.export", "export the HiFT vocoder (F0 predictor and trunk)"),
    "tokenizer-template": ("retake_export.tokenizer.template",
                           "write the vq02 graph template (and the tokenizer files' copies) the app's pack builder fills"),
    "flow-template": ("retake_export.flow.template",
                      "write the flow graph templates (and the CAM++ copy) the app's pack builder fills"),
    "vocoder-template": ("retake_export.vocoder.template",
                         "write the HiFT graph templates the app's pack builder fills (models/templates)"),
    "pack": ("retake_export.pack", "build the tiny random-weight pack with every part (used by tests and benchmarks)"),
}


def usage() -> str:
    lines = ["usage: python3 -m retake_export COMMAND [args]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        print(f"retake_export: unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return importlib.import_module(cmd[0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
