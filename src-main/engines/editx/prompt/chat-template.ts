// Renders a pack's chat template over a conversation, as transformers' `apply_chat_template` does for the 2026
// reference profile: Jinja with trim_blocks and lstrip_blocks (both set by @huggingface/jinja, the renderer
// transformers.js uses), the variables `messages` and `add_generation_prompt`, the tokenizer's special-token strings
// (`bos_token`, `eos_token`, …, as the pack recorded them from tokenizer_config.json) and `raise_exception`.
// Byte-exact against Python's jinja2 on a template of the published shape (test/unit/editx-prompt/chat-template).

import { Template } from '@huggingface/jinja';
import { RetakeError } from '../../../contract/errors';
import type { ChatTemplate } from '../pack/manifest';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

// Parsed templates by text: a pack has one, tests a few.
const compiled = new Map<string, Template>();

function compile(text: string): Template {
  let t = compiled.get(text);
  if (!t) {
    try {
      t = new Template(text);
    } catch (e) {
      throw new RetakeError(
        'E_ENGINE_UNAVAILABLE',
        `The model pack's chat template cannot be read (${(e as Error).message}). Re-export the pack with tools/export.`,
      );
    }
    compiled.set(text, t);
  }
  return t;
}

export function renderChatTemplate(
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  addGenerationPrompt = true,
): string {
  const t = compile(template.template);
  try {
    return t.render({
      ...template.specialTokens,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
    });
  } catch (e) {
    throw new RetakeError(
      'E_ENGINE_UNAVAILABLE',
      `The model pack's chat template failed on this conversation (${(e as Error).message}).`,
    );
  }
}
