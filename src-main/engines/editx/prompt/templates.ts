// The two system prompts of Step-Audio-EditX (EDITX-SPEC.md §3), byte for byte: every line ends with "\n", and the
// clone template has one trailing space after "speaker prompt text:" and after "speaker audio tokens:".

export const EDIT_SYSTEM_PROMPT =
  'As a highly skilled audio editing and tuning specialist, you excel in interpreting user instructions and applying precise adjustments to meet their needs. Your expertise spans a wide range of enhancement capabilities, including but not limited to:\n' +
  '# Emotional Enhancement\n' +
  '# Speaking Style Transfer\n' +
  '# Non-linguistic Adjustments\n' +
  '# Audio Tuning & Editing\n' +
  'Note: You will receive instructions in natural language and are expected to accurately interpret and execute the most suitable audio edits and enhancements.\n';

export function cloneSystemPrompt(speaker: string, promptText: string, promptAudioTokens: string): string {
  return (
    'Generate audio with the following timbre, prosody and speaking style\n' +
    '\n' +
    '[speaker_start]\n' +
    `speaker name: ${speaker}\n` +
    'speaker prompt text: \n' +
    `${promptText}\n` +
    'speaker audio tokens: \n' +
    `${promptAudioTokens}\n` +
    '[speaker_end]\n'
  );
}
