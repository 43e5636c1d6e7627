import os
import tempfile
import unittest

import sentencepiece as spm

from retake_export.text import tiny_tokenizer


class TinyTokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "tokenizer.model")
        tiny_tokenizer.build(cls.path)
        cls.sp = spm.SentencePieceProcessor(model_file=cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_layout_of_the_real_vocabulary(self):
        sp = self.sp
        self.assertEqual(sp.get_piece_size(), 74752)
        self.assertEqual([sp.id_to_piece(i) for i in range(5)], ["<unk>", "<s>", "</s>", "<|EOT|>", "<|BOT|>"])
        self.assertEqual((sp.unk_id(), sp.bos_id(), sp.eos_id()), (0, 1, 2))
        self.assertEqual(sp.piece_to_id("<0x0A>"), 5 + 0x0A)
        for n in (0, 1, 1023, 1024, 5119):
            self.assertEqual(sp.piece_to_id(f"<audio_{n}>"), 65536 + n)
        self.assertTrue(sp.is_control(3) and sp.is_control(4) and sp.is_control(70656))

    def test_audio_tokens_inside_text_are_single_pieces(self):
        ids = self.sp.encode("<audio_12><audio_1030><audio_5119>")
        self.assertEqual(ids[-3:], [65548, 66566, 70655])

    def test_byte_fallback_round_trips_unseen_characters(self):
        text = "emoji 😀 and 龘"
        ids = self.sp.encode(text)
        self.assertIn(5 + 0xF0, ids)
        self.assertEqual(self.sp.decode(ids), text)
        self.assertNotIn(0, ids)

    def test_the_build_is_deterministic(self):
        other = os.path.join(self.tmp.name, "again.model")
        tiny_tokenizer.build(other)
        with open(self.path, "rb") as a, open(other, "rb") as b:
            self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    unittest.main()
