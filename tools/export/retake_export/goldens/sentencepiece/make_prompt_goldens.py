#!/usr/bin/python3
"""Writes test/fixtures/editx/prompt-goldens.json: the EditX prompts of every task and option, built here in Python
straight from EDITX-SPEC.md §3 (an implementation independent of the TypeScript one), their token ids through the test
tokenizers in both tokenizer modes (transformers-fast: retake_export.text.hf_fast; sentencepiece: Debian's
python3-sentencepiece) and with each prompt-encoding setting, the 2026 profile's prompts rendered with Python's jinja2
(python3-jinja2) from the tiny pack's chat template and tokenized as one string, and clone speaker names (hashlib +
numpy, as the reference hashes).

    PYTHONPATH=tools/export /usr/bin/python3 -m retake_export.goldens.sentencepiece.make_prompt_goldens
"""
import hashlib
import json
import os
import sys
import wave

import numpy as np
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

from ...text import hf_fast, tiny_tokenizer
from . import chat_render
from ...common.paths import REPO as ROOT
FIX = os.path.join(ROOT, 'test', 'fixtures', 'editx')
CORPUS = os.path.join(ROOT, '..', 'shared', 'corpus')

EDIT_SYSTEM = (
    'As a highly skilled audio editing and tuning specialist, you excel in interpreting user instructions and '
    'applying precise adjustments to meet their needs. Your expertise spans a wide range of enhancement capabilities, '
    'including but not limited to:\n'
    '# Emotional Enhancement\n'
    '# Speaking Style Transfer\n'
    '# Non-linguistic Adjustments\n'
    '# Audio Tuning & Editing\n'
    'Note: You will receive instructions in natural language and are expected to accurately interpret and execute the '
    'most suitable audio edits and enhancements.\n'
)

CLONE_SYSTEM = (
    'Generate audio with the following timbre, prosody and speaking style\n\n[speaker_start]\nspeaker name: {speaker}\n'
    'speaker prompt text: \n{prompt_text}\nspeaker audio tokens: \n{prompt_wav_tokens}\n[speaker_end]\n'
)

EMOTIONS = ['happy', 'angry', 'sad', 'humour', 'confusion', 'disgusted', 'empathy', 'embarrass', 'fear', 'surprised',
            'excited', 'depressed', 'coldness', 'admiration', 'remove']
STYLES = ['serious', 'arrogant', 'child', 'older', 'girl', 'pure', 'sister', 'sweet', 'ethereal', 'whisper', 'gentle',
          'recite', 'generous', 'act_coy', 'warm', 'shy', 'comfort', 'authority', 'chat', 'radio', 'soulful', 'story',
          'vivid', 'program', 'news', 'advertising', 'roar', 'murmur', 'shout', 'deeply', 'loudly', 'remove',
          'exaggerated']
SPEEDS = ['faster', 'slower', 'more faster', 'more slower']


def instruction(task, option, audio_text, new_text):
    audio_text = audio_text.strip() if audio_text else ''
    if task in ('emotion', 'speed'):
        if option == 'remove':
            return 'Remove any emotion in the following audio and the reference text is: %s\n' % audio_text
        return 'Make the following audio more %s. The text corresponding to the audio is: %s\n' % (option, audio_text)
    if task == 'style':
        if option == 'remove':
            return 'Remove any speaking styles in the following audio and the reference text is: %s\n' % audio_text
        return ('Make the following audio more %s style. The text corresponding to the audio is: %s\n'
                % (option, audio_text))
    if task == 'denoise':
        return ('Remove any noise from the given audio while preserving the voice content clearly. Ensure that the '
                'speech quality remains intact with minimal distortion, and eliminate all noise from the audio.\n')
    if task == 'vad':
        return ('Remove any silent portions from the given audio while preserving the voice content clearly. Ensure '
                'that the speech quality remains intact with minimal distortion, and eliminate all silence from the '
                'audio.\n')
    if task == 'paralinguistic':
        return ('Add some non-verbal sounds to make the audio more natural, the new text is : %s\n'
                '  The text corresponding to the audio is: %s\n' % (new_text, audio_text))
    raise ValueError(task)


def audio_text(codes):
    return ''.join('<audio_%d>' % c for c in codes)


def human_edit_turn(task, option, text, new_text, audio):
    return '%s\n%s\n' % (instruction(task, option, text, new_text), audio.strip())


# Each segment: ('id', n) | ('enc', text) | ('enc_after_nl', text)
def edit_segments(task, option, text, new_text, audio, joined=False):
    """joined: the `human\n` line and the instruction in one tokenizer call (instructionCall "joined")."""
    human = human_edit_turn(task, option, text, new_text, audio)
    turn = [('enc', 'human\n' + human)] if joined else [('enc', 'human\n'), ('enc', human)]
    return ([('id', 'bos'), ('id', 'bot'), ('enc', 'system\n' + EDIT_SYSTEM), ('id', 'eot'), ('id', 'bot')] + turn
            + [('id', 'eot'), ('id', 'bot'), ('enc', 'assistant\n')])


def edit_messages(task, option, text, new_text, audio):
    """The 2026 profile's conversation: the same system text and human turn, as chat messages."""
    return [{'role': 'system', 'content': EDIT_SYSTEM},
            {'role': 'user', 'content': human_edit_turn(task, option, text, new_text, audio)}]


def clone_messages(speaker, prompt_text, prompt_audio, target):
    system = CLONE_SYSTEM.format(speaker=speaker, prompt_text=prompt_text, prompt_wav_tokens=prompt_audio)
    return [{'role': 'system', 'content': system}, {'role': 'user', 'content': target}]


def clone_segments(speaker, prompt_text, prompt_audio, target):
    system = CLONE_SYSTEM.format(speaker=speaker, prompt_text=prompt_text, prompt_wav_tokens=prompt_audio)
    return [('id', 'bos'), ('id', 'bot'), ('enc', 'system\n' + system), ('id', 'eot'), ('id', 'bot'),
            ('enc', 'human\n'), ('enc_after_nl', target), ('id', 'eot'), ('id', 'bot'), ('enc', 'assistant\n')]


NAMES = {'bos': '<s>', 'bot': '<|BOT|>', 'eot': '<|EOT|>'}
IDS = {'bos': 1, 'bot': 4, 'eot': 3}


def as_text(segments):
    return ''.join(NAMES[v] if k == 'id' else v for k, v in segments)


def as_ids(sp, segments, add_bos):
    """`sp`: a sentencepiece processor or an hf_fast.FastLlamaTokenizer (both take add_bos)."""
    enc = lambda t: sp.encode(t, add_bos=add_bos)  # noqa: E731
    ids = []
    for k, v in segments:
        if k == 'id':
            ids.append(IDS[v])
        elif k == 'enc':
            ids += enc(v)
        else:
            ids += enc('\n' + v)[len(enc('\n')):]
    return ids


def processor(model, dummy):
    with open(os.path.join(FIX, 'sp', model + '.model'), 'rb') as f:
        data = f.read()
    if dummy != 'model':
        m = pb.ModelProto()
        m.ParseFromString(data)
        m.normalizer_spec.add_dummy_prefix = dummy == 'always'
        data = m.SerializeToString()
    return spm.SentencePieceProcessor(model_proto=data)


def speaker_name(prompt_text, wav):
    """The reference's generate_clone_voice_id on a (channels, frames) float32 array."""
    hasher = hashlib.sha256()
    hasher.update(prompt_text.encode('utf-8'))
    if wav.size > 2000:
        sample = np.concatenate([wav.flatten()[:1000], wav.flatten()[-1000:]])
    else:
        sample = wav.flatten()
    hasher.update(sample.tobytes())
    return 'clone_' + hasher.hexdigest()[:16]


def synthetic_wav(channels, frames):
    """Values exactly representable in float32, easy to rebuild in the test: ((37 i + 11 c) mod 2001 - 1000) / 1024."""
    i = np.arange(frames)
    return np.stack([((37 * i + 11 * c) % 2001 - 1000) / 1024.0 for c in range(channels)]).astype(np.float32) \
        if channels else np.zeros((0, frames), np.float32)


def load_wav_like_torchaudio(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(np.float32) / 32768.0
        return raw.reshape(-1, w.getnchannels()).T.copy()


TRANSCRIPT = 'The weather is so nice today.'
CODES = [12, 700, 1024 + 5, 1024 + 4095, 1024 + 77, 3, 1023, 1024, 2000, 5119]
CLONES = [
    ('clone_0123456789abcdef', 'His political stance was conservative.', audio_text(CODES),
     'Great, the weather is so nice today.'),
    ('clone_fedcba9876543210', '我觉得这个计划大概是可行的。', audio_text(CODES[:5]), '[Cantonese]今日天氣好好。'),
    ('clone_00000000000000aa', 'Prompt text with  two spaces ', '', ' leading space target'),
]
CLONE_KEYS = ['speaker', 'promptText', 'promptAudioTokens', 'targetText']


def prompt_id_cases(joined=False):
    """(kind, segments, input of the TypeScript builder, chat messages) for the prompts whose ids are checked."""
    audio = audio_text(CODES)
    edits = [
        ('emotion', 'happy', TRANSCRIPT, None),
        ('speed', 'more faster', '上次你说鞋子有点磨脚。', None),
        ('paralinguistic', None, 'Great, nice today.', 'Great[Laughter], nice today[Sigh].'),
        ('vad', None, '', None),
    ]
    out = []
    for task, option, text, new_text in edits:
        inp = {'task': task, 'text': text, 'audioTokens': audio}
        if option is not None:
            inp['option'] = option
        if new_text is not None:
            inp['newText'] = new_text
        out.append(('edit', edit_segments(task, option, text, new_text, audio, joined), inp,
                    edit_messages(task, option, text, new_text, audio)))
    for clone in CLONES[:2]:
        out.append(('clone', clone_segments(*clone), dict(zip(CLONE_KEYS, clone)), clone_messages(*clone)))
    return out


def fast_tokenizer(model):
    with open(os.path.join(FIX, 'sp', model + '.model'), 'rb') as f:
        return hf_fast.FastLlamaTokenizer(f.read())


def chat_cases(tok, template):
    """The 2026 profile: each prompt rendered with `template` and tokenized as one string (no BOS added)."""
    out = []
    for kind, _seg, inp, messages in prompt_id_cases():
        text = chat_render.render(template['template'], messages, template['specialTokens'])
        out.append({'kind': kind, 'input': inp, 'text': text, 'ids': tok.encode(text)})
    return out


def main():
    transcript = TRANSCRIPT
    codes = CODES
    audio = audio_text(codes)
    edits = []
    for option in EMOTIONS:
        edits.append(('emotion', option, transcript, None))
    for option in STYLES:
        edits.append(('style', option, transcript, None))
    for option in SPEEDS:
        edits.append(('speed', option, '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。', None))
    edits += [
        ('paralinguistic', None, 'Great, the weather is so nice today.',
         'Great[Laughter], the weather is so nice today[Surprise-ah].'),
        ('paralinguistic', None, '我觉得这个计划大概是可行的，不过还需要再仔细考虑一下。',
         '我觉得[Breathing]这个计划大概是可行的，不过还需要再仔细考虑一下[Sigh]。'),
        ('denoise', None, '', None),
        ('denoise', None, 'transcripts are ignored by denoise', None),
        ('vad', None, '', None),
        # Python's strip: \x1c-\x1f, \x85, \u3000 are whitespace; \ufeff is not.
        ('emotion', 'sad', ' \t\u3000\x1c  spaced out transcript \x85\n ', None),
        ('style', 'whisper', '\ufeffBOM stays\ufeff', None),
        ('emotion', 'happy', 'braces {option} and {audio_text} stay literal', None),
    ]
    out = {'generator': 'retake_export.goldens.sentencepiece.make_prompt_goldens', 'audioCodes': codes, 'edit': [], 'clone': [], 'ids': [],
           'speakers': []}
    for task, option, text, new_text in edits:
        seg = edit_segments(task, option, text, new_text, ' ' + audio + '\n')
        entry = {'task': task, 'text': text, 'audioTokens': ' ' + audio + '\n', 'prompt': as_text(seg)}
        if option is not None:
            entry['option'] = option
        if new_text is not None:
            entry['newText'] = new_text
        out['edit'].append(entry)
    clones = CLONES
    for speaker, prompt_text, prompt_audio, target in clones:
        seg = clone_segments(speaker, prompt_text, prompt_audio, target)
        out['clone'].append({'speaker': speaker, 'promptText': prompt_text, 'promptAudioTokens': prompt_audio,
                             'targetText': target, 'prompt': as_text(seg)})
    for model in ['uni-identity', 'bpe-identity']:
        for add_bos, dummy in [(False, 'model'), (True, 'model'), (False, 'never'), (False, 'always')]:
            sp = processor(model, dummy)
            for kind, seg, inp, _ in prompt_id_cases():
                out['ids'].append({'model': 'sp/%s.model' % model, 'tokenizer': 'sentencepiece', 'addBos': add_bos,
                                   'addDummyPrefix': dummy, 'instructionCall': 'own', 'kind': kind, 'input': inp,
                                   'ids': as_ids(sp, seg, add_bos)})
    fast = fast_tokenizer('uni-identity')
    for add_bos in (False, True):
        for joined in (False, True):
            for kind, seg, inp, _ in prompt_id_cases(joined):
                out['ids'].append({'model': 'sp/uni-identity.model', 'tokenizer': 'transformers-fast',
                                   'addBos': add_bos, 'addDummyPrefix': 'model',
                                   'instructionCall': 'joined' if joined else 'own', 'kind': kind, 'input': inp,
                                   'ids': as_ids(fast, seg, add_bos)})
    template = tiny_tokenizer.chat_template()
    out['chatTemplate'] = template
    out['chat'] = [dict(c, model='sp/uni-identity.model') for c in chat_cases(fast, template)]
    for channels, frames, text in [(1, 0, 'empty'), (1, 500, 'short'), (1, 2000, 'exactly two thousand'),
                                   (1, 2001, 'one more'), (1, 48000, '一秒钟的声音'), (2, 1000, 'stereo short'),
                                   (2, 1001, 'stereo just over'), (2, 30000, 'stereo long')]:
        out['speakers'].append({'promptText': text, 'channels': channels, 'frames': frames,
                                'name': speaker_name(text, synthetic_wav(channels, frames))})
    wav_path = os.path.join(CORPUS, 'zero_shot_en_prompt.wav')
    corpus_text = 'His political stance was conservative, and he was particularly close to margaret thatcher.'
    out['corpusSpeaker'] = {'file': 'zero_shot_en_prompt.wav', 'promptText': corpus_text,
                            'name': speaker_name(corpus_text, load_wav_like_torchaudio(wav_path))}
    path = os.path.join(FIX, 'prompt-goldens.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print('wrote %s (%d bytes)' % (os.path.relpath(path, ROOT), os.path.getsize(path)))


if __name__ == '__main__':
    sys.exit(main())
