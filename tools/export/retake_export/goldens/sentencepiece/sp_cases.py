"""The strings every tokenizer parity check encodes (shared by make_goldens.py and encode_cases.py)."""

EDIT_SYSTEM_HEAD = ('As a highly skilled audio editing and tuning specialist, you excel in interpreting user '
                    'instructions and applying precise adjustments to meet their needs.\n# Emotional Enhancement\n')

CASES = [
    'Hello world',
    'human\n',
    'assistant\n',
    '\n',
    'system\n' + EDIT_SYSTEM_HEAD,
    '  leading and   multiple   spaces  ',
    'tabs\tand\nnewlines\n\nhere\r\n',
    '我觉得这个计划大概是可行的，不过还需要再仔细考虑一下。',
    '上次你说鞋子有点磨脚，我给你买了一双软软的鞋垫。',
    'Step-Audio 编辑 EditX：第2版！',
    'Wait... what?! (yes) [no] {maybe} "quoted" \'single\' \u2014 dash \u2013 en-dash',
    '3.14159 + 2,718 = 5,859.14159; 1234567890 0.5% $19.99',
    'Nice \U0001F44D\U0001F3FD work \U0001F389! \U0002000B rare ideograph, \u9F98, and \u222E \u2248 \u221E',
    'Great[Laughter], the weather is so nice today[Surprise-ah].',
    '[Breathing] [Laughter] [Surprise-oh] [Confirmation-en] [Uhm] [Surprise-ah] [Surprise-wa] [Sigh] '
    '[Question-ei] [Dissatisfaction-hnn]',
    '[Sichuanese]今天天气好得很。[Cantonese]今日天氣好好。[Japanese]今日はいい天気。[Korean]오늘 날씨',
    '<audio_0><audio_1023><audio_1024><audio_5119>',
    'Make the following audio more happy. The text corresponding to the audio is: hi\n\n'
    '<audio_10><audio_11><audio_1300><audio_1301><audio_1302>\n',
    '<audio_12>3 <audio_99999> <audio_> <audio_5119><audio_5119>',
    '<s> </s> <|BOT|> <|EOT|> <unk> <pad>',
    '\uFF21\uFF22\uFF23\uFF11\uFF12\uFF13\u3000全角空格',
    '\uFB01 ligature, \u2460 circled, \u337B, \u216B, \u00BD',
    'e\u0301 caf\u00E9 cafe\u0301 \u1E9B\u0323',
    '\u3000ideographic space\u3000',
    'a\u200Bb soft\u00ADhyphen no\u00A0break',
    '',
    ' ',
    '   ',
    '\n' + 'Great, the weather is so nice today.',
    '\n' + '我觉得这个计划大概是可行的。',
    'x',
    '\u2581already escaped \u2581\u2581',
    'A' * 40 + ' ' + 'ab' * 30,
    'Remove any noise from the given audio while preserving the voice content clearly.\n',
    'Add some non-verbal sounds to make the audio more natural, the new text is : Great[Laughter]!\n'
    '  The text corresponding to the audio is: Great!\n',
    'Oh[Surprise-oh], really[Question-ei]? Fine[Dissatisfaction-hnn][Sigh]',
    'Le caf\u00E9 est chaud. Die Aufnahme beginnt in f\u00FCnf Minuten. \u00BFQu\u00E9?',
    '\u0000nul and \u0007bell and \u007Fdel',
    '\u200D\u2764\uFE0F\u200D\U0001F525 zwj',
    # Where the two tokenizer modes part: text after a leading added token, a leading space, literal byte-piece
    # names (whole vocabulary entries to the fast tokenizer), a special token alone, the escape symbol alone.
    '<audio_3>text right after an audio token',
    ' <|BOT|>system\n',
    '<0x41><0xE4><0xBD><0xA0> literal byte pieces',
    '<s>',
    '\u2581',
]


def fuzz_cases(seed=20251121, count=200):
    """Seeded random strings over the training characters plus whitespace, rare characters and tag/audio atoms."""
    import os
    import random
    rng = random.Random(seed)
    with open(os.path.join(os.path.dirname(__file__), 'train-text.txt'), encoding='utf-8') as f:
        pool = sorted(set(f.read()) - {'\n'})
    pool += [' ', ' ', '  ', '\n', '\t', '\u3000', '\u00a0', '\U0001F600', '\u9F98', 'e\u0301', '\uFF21', '\uFB01', '\u2581']
    atoms = ['[Laughter]', '[Sigh]', '<audio_7>', '<audio_1024>', '<audio_5119>', '<audio_', '[Uhm]', '<s>', '<|BOT|>',
             '<0x41>', '<unk>']
    out = []
    for _ in range(count):
        s = ''
        for _ in range(rng.randint(0, 40)):
            s += rng.choice(atoms) if rng.random() < 0.08 else rng.choice(pool)
        out.append(s)
    return out
