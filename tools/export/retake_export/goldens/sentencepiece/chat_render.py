"""Renders a chat template as transformers' `apply_chat_template` does, with Python's jinja2 (Debian
python3-jinja2): a sandboxed environment with trim_blocks, lstrip_blocks and the loop-controls extension,
`raise_exception` as a global, and the tokenizer's special-token strings as variables. The reference our TypeScript
rendering (@huggingface/jinja) is compared with byte for byte."""

try:
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("rendering chat templates needs Debian's python3-jinja2 (apt-get install python3-jinja2)") from e


class TemplateError(Exception):
    pass


def _raise(message):
    raise TemplateError(message)


def render(template, messages, special_tokens, add_generation_prompt=True):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.globals['raise_exception'] = _raise
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                            **special_tokens)
